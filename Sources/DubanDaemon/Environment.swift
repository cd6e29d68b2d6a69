public import DubanConfig
public import DubanCore
import DubanLedger
public import DubanMail
import Foundation

/// Everything loaded from configuration that a pass needs: the parsed
/// configuration, the work calendar, the people directory, the mail
/// templates and the planner built from them. Loading it is what SIGHUP
/// repeats.
public struct Environment: Sendable {
    public var configuration: Configuration
    public var calendar: WorkCalendar
    public var people: PeopleDirectory
    /// Problems found in the calendar and people files (not the ledger).
    public var diagnostics: [Diagnostic]
    public var planner: Planner
    public var composer: Composer

    /// Loads configuration, calendar, people and templates. Throws when the
    /// configuration or a template is unusable; calendar and people problems
    /// are diagnostics.
    public static func load(configPath: String) throws(ConfigurationError) -> Environment {
        let configuration = try Configuration.load(from: URL(fileURLWithPath: configPath))
        return try load(configuration)
    }

    public static func load(_ configuration: Configuration) throws(ConfigurationError) -> Environment {
        var diagnostics: [Diagnostic] = []
        let (calendar, calendarDiagnostics) = CalendarLoader.load(folder: configuration.calendars)
        diagnostics += calendarDiagnostics
        var people = PeopleDirectory()
        if let file = configuration.people.file {
            let (directory, found) = PeopleDirectoryReader.read(file)
            people = directory
            diagnostics += found
        }
        let (templates, templateErrors) = TemplateSet.load(searchPath: configuration.mail.templates, locale: configuration.organization.locale.rawValue)
        guard let templates else { throw ConfigurationError(templateErrors) }
        let clock = LocalClock(timeZone: configuration.organization.timeZone)
        let planner = Planner(
            calendar: calendar, policy: configuration.policy, chain: configuration.chain,
            clock: clock, feedbackDate: configuration.programme.feedbackDate)
        let composer = Composer(
            templates: templates, from: configuration.mail.from, organization: configuration.organization.name,
            programme: configuration.programme.name, clock: clock, lookBackMonths: configuration.policy.lookBackMonths)
        return Environment(configuration: configuration, calendar: calendar, people: people,
                           diagnostics: diagnostics, planner: planner, composer: composer)
    }

    public var clock: LocalClock { planner.clock }

    /// Reads every ledger now.
    public func loadLedger() -> LedgerSnapshot {
        let loader = LedgerLoader(sheet: configuration.ledger.sheet, columns: configuration.ledger.columns,
                                  feedbackDate: configuration.programme.feedbackDate, maxBytes: configuration.ledger.maxBytes)
        return loader.load(configuration.ledger.paths, people: people)
    }

    public func subject(_ message: PlannedMessage) -> String {
        composer.subject(message)
    }

    /// The configured transport. The SMTP password is read here, at the last
    /// moment, from `password_file` or `$CREDENTIALS_DIRECTORY/smtp-password`.
    public func makeTransport() throws(ConfigurationError) -> any MailTransport {
        let mail = configuration.mail
        switch mail.transport {
        case .files:
            return FilesTransport(folder: mail.folder)
        case .sendmail:
            return SendmailTransport(program: mail.sendmail)
        case .smtp:
            let smtp = mail.smtp!
            var password: String?
            if smtp.username != nil {
                let file = smtp.passwordFile
                    ?? ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"].map { URL(fileURLWithPath: $0).appendingPathComponent("smtp-password") }
                guard let file else {
                    throw ConfigurationError([.error(SourceLocation(file: configuration.file.path),
                        "mail.smtp.username is set but there is no password: set mail.smtp.password_file, or run under systemd with LoadCredential=smtp-password:…")])
                }
                guard let text = try? String(contentsOf: file, encoding: .utf8) else {
                    throw ConfigurationError([.error(SourceLocation(file: file.path), "cannot read the SMTP password file")])
                }
                password = text.trimmingCharacters(in: .newlines)
            }
            // The configuration's closed set, mapped case by case: a new case is a compile error here.
            let security: SMTPSettings.Security
            switch smtp.security {
            case .starttls: security = .starttls
            case .tls: security = .tls
            case .plain: security = .plain
            }
            return SMTPTransport(settings: SMTPSettings(
                host: smtp.host, port: smtp.port, security: security, username: smtp.username, password: password,
                caFile: smtp.caFile?.path, timeoutSeconds: smtp.timeoutSeconds,
                heloName: smtp.helo ?? ProcessInfo.processInfo.hostName))
        }
    }
}
