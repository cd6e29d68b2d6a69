import DubanCore
import DubanLedger
public import Foundation
import TOMLKit

extension Configuration {
    /// Reads and validates a configuration file. Unknown keys, wrong types and
    /// missing required keys are all errors that name the key and its line.
    public static func load(from url: URL) throws(ConfigurationError) -> Configuration {
        let file = url.path
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ConfigurationError([.error(SourceLocation(file: file), "cannot read the configuration file: \((error as NSError).localizedDescription)")])
        }
        return try parse(text, file: url)
    }

    /// Parses configuration text; `file` names it in errors and anchors relative paths.
    public static func parse(_ text: String, file: URL) throws(ConfigurationError) -> Configuration {
        if let problem = TOMLInputGuard.problem(in: text) {
            throw ConfigurationError([.error(SourceLocation(file: file.path, row: problem.line, column: problem.column), "TOML syntax: \(problem.message)")])
        }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError([.error(
                SourceLocation(file: file.path, row: error.source.begin.line, column: error.source.begin.column),
                "TOML syntax: \(error.description)")])
        } catch {
            throw ConfigurationError([.error(SourceLocation(file: file.path), "TOML syntax: \(error)")])
        }
        var reader = TOMLChecker(text: text, file: file.path, folder: file.deletingLastPathComponent())
        reader.allow(root, in: "", keys: ["organization", "programme", "ledger", "people", "schedule", "reminders", "escalation", "acceptance", "lookback", "chain", "state", "mail", "delivery", "digest", "http", "metrics"])

        let org = reader.table(root, "organization", in: "", required: true)
        let name = reader.string(org, "name", in: "organization", required: true) ?? ""
        let zoneName = reader.string(org, "timezone", in: "organization") ?? "Asia/Shanghai"
        let zone = TimeZone(identifier: zoneName)
        if zone == nil { reader.error("timezone", in: "organization", "unknown time zone '\(zoneName)'; use an IANA name such as Asia/Shanghai") }
        let locale = reader.string(org, "locale", in: "organization") ?? "zh-CN"
        if !["zh-CN", "en"].contains(locale) { reader.error("locale", in: "organization", "locale must be \"zh-CN\" or \"en\", not \"\(locale)\"") }
        reader.allow(org, in: "organization", keys: ["name", "timezone", "locale"])

        let programme = reader.table(root, "programme", in: "", required: true)
        let programmeName = reader.string(programme, "name", in: "programme", required: true) ?? ""
        let feedback = reader.date(programme, "feedback_date", in: "programme")
        reader.allow(programme, in: "programme", keys: ["name", "feedback_date"])

        let ledger = reader.table(root, "ledger", in: "", required: true)
        let paths = reader.paths(ledger, "paths", in: "ledger", required: true)
        let sheet = reader.string(ledger, "sheet", in: "ledger")
        var columns: [LedgerField: [String]] = [:]
        if let table = reader.table(ledger, "columns", in: "ledger") {
            for key in table.keys.sorted() {
                guard let field = LedgerField(rawValue: key) else {
                    reader.error(key, in: "ledger.columns", "unknown field '\(key)'; fields are \(LedgerField.allCases.map(\.rawValue).joined(separator: ", "))")
                    continue
                }
                columns[field] = reader.strings(table, key, in: "ledger.columns")
            }
        }
        reader.allow(ledger, in: "ledger", keys: ["paths", "sheet", "columns"])

        var peopleFile: URL?
        if let people = reader.table(root, "people", in: "") {
            peopleFile = reader.paths(people, "file", in: "people", required: true).first
            reader.allow(people, in: "people", keys: ["file"])
        }

        var policy = Policy()
        var calendars = file.deletingLastPathComponent().appendingPathComponent("calendars")
        if let schedule = reader.table(root, "schedule", in: "") {
            if let time = reader.time(schedule, "send_time", in: "schedule") { policy.sendTime = time }
            if let time = reader.time(schedule, "quiet_from", in: "schedule") { policy.quietFrom = time }
            if policy.quietFrom <= policy.sendTime { reader.error("quiet_from", in: "schedule", "quiet_from (\(policy.quietFrom)) must be later than send_time (\(policy.sendTime))") }
            if let folder = reader.paths(schedule, "calendars", in: "schedule").first { calendars = folder }
            reader.allow(schedule, in: "schedule", keys: ["send_time", "quiet_from", "calendars"])
        }
        if let reminders = reader.table(root, "reminders", in: "") {
            if let days = reader.ints(reminders, "lead_days", in: "reminders", range: 0...365) { policy.reminderLeadDays = days }
            if let days = reader.ints(reminders, "checkpoint_lead_days", in: "reminders", range: 0...365) { policy.checkpointLeadDays = days }
            if let unit = reader.string(reminders, "lead_unit", in: "reminders") {
                if let value = Policy.LeadUnit(rawValue: unit) { policy.reminderLeadUnit = value }
                else { reader.error("lead_unit", in: "reminders", "must be \"calendar\" or \"working\"") }
            }
            if let days = reader.int(reminders, "immediate_days", in: "reminders", range: 0...365) { policy.immediateDays = days }
            reader.allow(reminders, in: "reminders", keys: ["lead_days", "checkpoint_lead_days", "lead_unit", "immediate_days"])
        }
        if let escalation = reader.table(root, "escalation", in: "") {
            if let n = reader.int(escalation, "level1_after", in: "escalation", range: 1...60) { policy.escalationLevel1After = n }
            if let n = reader.int(escalation, "level2_after", in: "escalation", range: 1...120) { policy.escalationLevel2After = n }
            if let n = reader.int(escalation, "repeat_every", in: "escalation", range: 1...60) { policy.escalationRepeatEvery = n }
            if let n = reader.int(escalation, "max_repeats", in: "escalation", range: 0...50) { policy.escalationMaxRepeats = n }
            if policy.escalationLevel2After <= policy.escalationLevel1After {
                reader.error("level2_after", in: "escalation", "level2_after (\(policy.escalationLevel2After)) must be later than level1_after (\(policy.escalationLevel1After))")
            }
            reader.allow(escalation, in: "escalation", keys: ["level1_after", "level2_after", "repeat_every", "max_repeats"])
        }
        if let acceptance = reader.table(root, "acceptance", in: "") {
            if let n = reader.int(acceptance, "after_working_days", in: "acceptance", range: 1...120) { policy.acceptanceAfterWorkingDays = n }
            reader.allow(acceptance, in: "acceptance", keys: ["after_working_days"])
        }
        if let lookback = reader.table(root, "lookback", in: "") {
            if let n = reader.int(lookback, "months", in: "lookback", range: 1...24) { policy.lookBackMonths = n }
            reader.allow(lookback, in: "lookback", keys: ["months"])
        }

        let chainTable = reader.table(root, "chain", in: "", required: true)
        let office = reader.contact(chainTable, "office", in: "chain", required: true)
        let principal = reader.contact(chainTable, "principal", in: "chain", required: false)
        reader.allow(chainTable, in: "chain", keys: ["office", "principal"])

        var statePath = URL(fileURLWithPath: defaultStatePath)
        var keepBodiesDays = 90
        if let state = reader.table(root, "state", in: "") {
            if let path = reader.paths(state, "path", in: "state").first { statePath = path }
            if let days = reader.int(state, "keep_bodies_days", in: "state", range: 1...36_500) { keepBodiesDays = days }
            reader.allow(state, in: "state", keys: ["path", "keep_bodies_days"])
        }

        let folder = file.deletingLastPathComponent()
        var transport = Mail.Transport.files
        var from = office
        var mailFolder = statePath.deletingLastPathComponent().appendingPathComponent("mail")
        var templates = [folder.appendingPathComponent("templates"), URL(fileURLWithPath: "/usr/share/duban/templates")]
        var sendmail = "/usr/sbin/sendmail"
        var smtp: Mail.SMTP?
        if let mail = reader.table(root, "mail", in: "") {
            if let name = reader.string(mail, "transport", in: "mail") {
                if let value = Mail.Transport(rawValue: name) { transport = value }
                else { reader.error("transport", in: "mail", "must be one of files, smtp, sendmail") }
            }
            if mail["from"] != nil { from = reader.contact(mail, "from", in: "mail", required: true) }
            if let path = reader.paths(mail, "folder", in: "mail").first { mailFolder = path }
            if mail["templates"] != nil { templates = reader.paths(mail, "templates", in: "mail") }
            if let program = reader.string(mail, "sendmail", in: "mail") { sendmail = program }
            if let table = reader.table(mail, "smtp", in: "mail") {
                let security = reader.string(table, "security", in: "mail.smtp") ?? "starttls"
                if !["starttls", "tls", "plain"].contains(security) {
                    reader.error("security", in: "mail.smtp", "must be \"starttls\", \"tls\" or \"plain\"")
                }
                let host = reader.string(table, "host", in: "mail.smtp", required: true) ?? ""
                if security == "plain" && !(host == "localhost" || host == "::1" || host.hasPrefix("127.")) {
                    reader.error("security", in: "mail.smtp", "\"plain\" (no encryption) is allowed only for a relay on the loopback interface, not \(host)")
                }
                let defaultPort = security == "tls" ? 465 : security == "plain" ? 25 : 587
                smtp = Mail.SMTP(
                    host: host,
                    port: reader.int(table, "port", in: "mail.smtp", range: 1...65535) ?? defaultPort,
                    security: security,
                    username: reader.string(table, "username", in: "mail.smtp"),
                    passwordFile: reader.paths(table, "password_file", in: "mail.smtp").first,
                    caFile: reader.paths(table, "ca_file", in: "mail.smtp").first,
                    timeoutSeconds: reader.int(table, "timeout_seconds", in: "mail.smtp", range: 1...600) ?? 30,
                    helo: reader.string(table, "helo", in: "mail.smtp"))
                if table["password"] != nil {
                    reader.error("password", in: "mail.smtp", "passwords do not belong in the configuration file; use password_file or systemd LoadCredential=smtp-password")
                }
                reader.allow(table, in: "mail.smtp", keys: ["host", "port", "security", "username", "password_file", "ca_file", "timeout_seconds", "helo", "password"])
            }
            reader.allow(mail, in: "mail", keys: ["transport", "from", "folder", "templates", "sendmail", "smtp"])
        }
        if transport == .smtp && smtp == nil {
            reader.error("transport", in: "mail", "transport = \"smtp\" needs a [mail.smtp] section with at least host")
        }
        var delivery = Delivery(retryInitialSeconds: 60, retryMaxSeconds: 3600, giveUpAfterHours: 48, batchSize: 100)
        if let table = reader.table(root, "delivery", in: "") {
            if let n = reader.int(table, "retry_initial_seconds", in: "delivery", range: 1...86_400) { delivery.retryInitialSeconds = n }
            if let n = reader.int(table, "retry_max_seconds", in: "delivery", range: 1...86_400) { delivery.retryMaxSeconds = n }
            if let n = reader.int(table, "give_up_after_hours", in: "delivery", range: 1...24 * 60) { delivery.giveUpAfterHours = n }
            if let n = reader.int(table, "batch_size", in: "delivery", range: 1...10_000) { delivery.batchSize = n }
            reader.allow(table, in: "delivery", keys: ["retry_initial_seconds", "retry_max_seconds", "give_up_after_hours", "batch_size"])
        }

        var digest = DigestSettings(schedule: DigestSchedule(), recipients: [], departments: [:])
        if let table = reader.table(root, "digest", in: "") {
            if let value = table["weekday"] {
                let names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
                if let n = value.int, (1...7).contains(n) { digest.schedule.weekday = n }
                else if let name = value.string, let index = names.firstIndex(of: name.lowercased()) { digest.schedule.weekday = index + 1 }
                else { reader.error("weekday", in: "digest", "must be 1–7 (Monday = 1) or a day name such as \"monday\"") }
            }
            if let time = reader.time(table, "time", in: "digest") { digest.schedule.time = time }
            if let array = table["recipients"]?.array {
                for (index, element) in array.enumerated() {
                    guard let person = element.table, let name = person["name"]?.string, let email = person["email"]?.string,
                          EmailAddress.isValid(email) else {
                        reader.error("recipients", in: "digest", "recipient #\(index + 1) must be { name = \"…\", email = \"valid address\" }")
                        continue
                    }
                    digest.recipients.append(Contact(name: name, email: email))
                }
            } else if table["recipients"] != nil {
                reader.error("recipients", in: "digest", "must be an array: [{ name = \"…\", email = \"…\" }]")
            }
            if let departments = reader.table(table, "departments", in: "digest") {
                for key in departments.keys.sorted() {
                    if let head = reader.contact(departments, key, in: "digest.departments", required: true) { digest.departments[key] = head }
                }
            }
            reader.allow(table, in: "digest", keys: ["weekday", "time", "recipients", "departments"])
        }

        let (http, metrics) = reader.consoleSections(root)
        guard reader.diagnostics.isEmpty, let zone, let office, let from else { throw ConfigurationError(reader.diagnostics) }
        if digest.recipients.isEmpty { digest.recipients = [office] }
        var configuration = Configuration(
            file: file,
            organization: .init(name: name, timeZone: zone, locale: locale),
            programme: .init(name: programmeName, feedbackDate: feedback),
            ledger: .init(paths: paths, sheet: sheet, columns: columns),
            people: .init(file: peopleFile),
            policy: policy,
            chain: Chain(office: office, principal: principal),
            calendars: calendars,
            state: .init(path: statePath, keepBodiesDays: keepBodiesDays),
            mail: .init(transport: transport, from: from, folder: mailFolder, templates: templates, sendmail: sendmail, smtp: smtp),
            delivery: delivery,
            digest: digest)
        (configuration.http, configuration.metrics) = (http, metrics)
        return configuration
    }
}

/// Typed, checked access to TOML tables that records every problem with the
/// key's dotted name and line.
struct TOMLChecker {
    let text: String
    let file: String
    let folder: URL
    var diagnostics: [Diagnostic] = []

    mutating func error(_ key: String?, in table: String, _ message: String) {
        let name = [table, key].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ".")
        // `key = …` inside the table, else a `[table.key]` section, else the table's header.
        let line = ConfigLines.line(ofKey: key, inTable: table, in: text)
            ?? ConfigLines.line(ofKey: nil, inTable: name, in: text)
            ?? ConfigLines.line(ofKey: nil, inTable: table, in: text)
        diagnostics.append(.error(SourceLocation(file: file, row: line), "\(name): \(message)"))
    }

    /// Reports keys that are not in `keys`: a typo must not be silently ignored.
    mutating func allow(_ table: TOMLTable?, in name: String, keys: Set<String>) {
        guard let table else { return }
        for key in table.keys.sorted() where !keys.contains(key) {
            error(key, in: name, "unknown key; expected one of \(keys.sorted().joined(separator: ", "))")
        }
    }

    mutating func table(_ parent: TOMLTable?, _ key: String, in name: String, required: Bool = false) -> TOMLTable? {
        let path = name.isEmpty ? key : "\(name).\(key)"
        guard let value = parent?[key] else {
            if required, parent != nil || name.isEmpty { diagnostics.append(.error(SourceLocation(file: file), "[\(path)]: missing required section")) }
            return nil
        }
        guard let table = value.table else { error(key, in: name, "must be a table ([\(path)])"); return nil }
        return table
    }

    mutating func string(_ table: TOMLTable?, _ key: String, in name: String, required: Bool = false) -> String? {
        guard let table else { return nil }
        guard let value = table[key] else {
            if required { error(nil, in: name, "missing required key '\(key)'") }
            return nil
        }
        guard let string = value.string else { error(key, in: name, "must be a string"); return nil }
        if required && string.trimmingCharacters(in: .whitespaces).isEmpty { error(key, in: name, "must not be empty") }
        return string
    }

    /// A string or an array of strings.
    mutating func strings(_ table: TOMLTable, _ key: String, in name: String) -> [String] {
        guard let value = table[key] else { return [] }
        if let string = value.string { return [string] }
        if let array = value.array {
            var result: [String] = []
            for element in array {
                guard let string = element.string else { error(key, in: name, "must be a string or an array of strings"); return [] }
                result.append(string)
            }
            return result
        }
        error(key, in: name, "must be a string or an array of strings")
        return []
    }

    mutating func paths(_ table: TOMLTable?, _ key: String, in name: String, required: Bool = false) -> [URL] {
        guard let table else { return [] }
        guard table[key] != nil else {
            if required { error(nil, in: name, "missing required key '\(key)'") }
            return []
        }
        let values = strings(table, key, in: name)
        if required && values.isEmpty { error(key, in: name, "must name at least one file") }
        return values.map { path in
            path.hasPrefix("/") ? URL(fileURLWithPath: path) : folder.appendingPathComponent(path).standardizedFileURL
        }
    }

    mutating func int(_ table: TOMLTable, _ key: String, in name: String, range: ClosedRange<Int>) -> Int? {
        guard let value = table[key] else { return nil }
        guard let int = value.int else { error(key, in: name, "must be an integer"); return nil }
        guard range.contains(int) else { error(key, in: name, "must be between \(range.lowerBound) and \(range.upperBound), not \(int)"); return nil }
        return int
    }

    mutating func ints(_ table: TOMLTable, _ key: String, in name: String, range: ClosedRange<Int>) -> [Int]? {
        guard let value = table[key] else { return nil }
        guard let array = value.array else { error(key, in: name, "must be an array of integers, e.g. [7, 1]"); return nil }
        var result: [Int] = []
        for element in array {
            guard let int = element.int, range.contains(int) else {
                error(key, in: name, "must be an array of integers between \(range.lowerBound) and \(range.upperBound)"); return nil
            }
            result.append(int)
        }
        guard !result.isEmpty else { error(key, in: name, "must not be empty"); return nil }
        return Array(Set(result)).sorted(by: >)
    }

    mutating func time(_ table: TOMLTable, _ key: String, in name: String) -> Policy.TimeOfDay? {
        guard let value = table[key] else { return nil }
        if let string = value.string, let time = Policy.TimeOfDay(string) { return time }
        if let t = value.time, let time = Policy.TimeOfDay(hour: Int(t.hour), minute: Int(t.minute)) { return time }
        error(key, in: name, "must be a time of day such as \"09:00\"")
        return nil
    }

    /// A person as `{ name = "…", email = "…" }`; the address is required.
    mutating func contact(_ table: TOMLTable?, _ key: String, in name: String, required: Bool) -> Contact? {
        guard let table else { return nil }
        let path = "\(name).\(key)"
        guard let value = table[key] else {
            if required { error(nil, in: name, "missing required key '\(key)', e.g. \(key) = { name = \"整改办\", email = \"zgb@example.org\" }") }
            return nil
        }
        guard let person = value.table else { error(key, in: name, "must be a table: { name = \"…\", email = \"…\" }"); return nil }
        let personName = string(person, "name", in: path, required: true)
        let email = string(person, "email", in: path, required: true)
        allow(person, in: path, keys: ["name", "email"])
        guard let personName, let email else { return nil }
        guard EmailAddress.isValid(email) else { error(key, in: name, "\"\(email)\" is not a valid email address"); return nil }
        return Contact(name: personName, email: email)
    }

    mutating func date(_ table: TOMLTable?, _ key: String, in name: String) -> LocalDate? {
        guard let table, let value = table[key] else { return nil }
        if let date = value.date, let local = LocalDate(year: date.year, month: Int(date.month), day: Int(date.day)) { return local }
        if let string = value.string, let local = LocalDate(string) { return local }
        error(key, in: name, "must be a date such as 2026-03-15")
        return nil
    }
}
