public import DubanConfig
public import DubanCore
import DubanLedger
public import Foundation

/// Everything loaded from configuration that a pass needs: the parsed
/// configuration, the work calendar, the people directory and the planner
/// built from them. Loading it is what SIGHUP repeats.
public struct Environment: Sendable {
    public var configuration: Configuration
    public var calendar: WorkCalendar
    public var people: PeopleDirectory
    /// Problems found in the calendar and people files (not the ledger).
    public var diagnostics: [Diagnostic]
    public var planner: Planner

    /// Loads configuration, calendar and people. Throws only when the
    /// configuration itself is unusable; calendar and people problems are
    /// diagnostics.
    public static func load(configPath: String) throws(ConfigurationError) -> Environment {
        let configuration = try Configuration.load(from: URL(fileURLWithPath: configPath))
        return load(configuration)
    }

    public static func load(_ configuration: Configuration) -> Environment {
        var diagnostics: [Diagnostic] = []
        let (calendar, calendarDiagnostics) = CalendarLoader.load(folder: configuration.calendars)
        diagnostics += calendarDiagnostics
        var people = PeopleDirectory()
        if let file = configuration.people.file {
            let (directory, found) = PeopleDirectoryReader.read(file)
            people = directory
            diagnostics += found
        }
        let planner = Planner(
            calendar: calendar, policy: configuration.policy, chain: configuration.chain,
            clock: LocalClock(timeZone: configuration.organization.timeZone),
            feedbackDate: configuration.programme.feedbackDate)
        return Environment(configuration: configuration, calendar: calendar, people: people,
                           diagnostics: diagnostics, planner: planner)
    }

    public var clock: LocalClock { planner.clock }

    /// Reads every ledger now.
    public func loadLedger() -> LedgerSnapshot {
        let loader = LedgerLoader(sheet: configuration.ledger.sheet, columns: configuration.ledger.columns,
                                  feedbackDate: configuration.programme.feedbackDate)
        return loader.load(configuration.ledger.paths, people: people)
    }

    public func subject(_ message: PlannedMessage) -> String {
        Subject.line(for: message, locale: configuration.organization.locale, organization: configuration.organization.name)
    }
}
