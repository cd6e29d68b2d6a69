import DubanCore
import DubanTOML
public import Foundation
import TOMLKit

extension Configuration {
    /// Reads and validates a configuration file. Unknown keys, wrong types and
    /// missing required keys are all errors that name the key and its line.
    public static func load(from url: URL) throws(ConfigurationError) -> Configuration {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ConfigurationError([.error(SourceLocation(file: url.path), "cannot read the configuration file: \((error as NSError).localizedDescription)")])
        }
        return try parse(text, file: url)
    }

    /// Parses configuration text; `file` names it in errors and anchors relative paths.
    /// Each section is read by its own type; every problem in every section is collected.
    public static func parse(_ text: String, file: URL) throws(ConfigurationError) -> Configuration {
        let root: TOMLTable
        switch TOMLDocument.parse(text, file: file.path) {
        case .success(let table): root = table
        case .failure(let error): throw ConfigurationError([error.diagnostic])
        }
        var checker = TOMLChecker(text: text, file: file.path, folder: file.deletingLastPathComponent())
        checker.allow(root, in: "", keys: ["organization", "programme", "ledger", "people", "schedule", "reminders", "escalation",
                                           "acceptance", "closure", "lookback", "chain", "state", "mail", "delivery", "digest", "http", "metrics", "personal",
                                           "extension", "standing"])

        let organization = Organization.read(from: root, &checker)
        let programme = Programme.read(from: root, &checker)
        let ledger = Ledger.read(from: root, &checker)
        let people = People.read(from: root, &checker)
        var (policy, calendars) = Policy.read(from: root, &checker)
        policy.readPeriodic(from: root, &checker)
        let chain = Chain.read(from: root, &checker)
        let state = State.read(from: root, &checker)
        let mail = Mail.read(from: root, &checker, office: chain?.office, state: state)
        let delivery = Delivery.read(from: root, &checker)
        let digest = DigestSettings.read(from: root, &checker, office: chain?.office)
        let (http, metrics) = checker.consoleSections(root)
        let personal = PersonalSettings.read(from: root, &checker, digest: digest.schedule)

        guard checker.diagnostics.isEmpty, let organization, let chain, let mail else { throw ConfigurationError(checker.diagnostics) }
        var configuration = Configuration(
            file: file, organization: organization, programme: programme, ledger: ledger, people: people,
            policy: policy, chain: chain, calendars: calendars ?? checker.folder.appendingPathComponent("calendars"),
            state: state, mail: mail, delivery: delivery, digest: digest)
        (configuration.http, configuration.metrics) = (http, metrics)
        configuration.personal = personal
        return configuration
    }
}
