import ArgumentParser

@main
struct Duban: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "duban",
        abstract: "督办 — deadlines, reminders and escalation for a rectification ledger (整改台账).",
        discussion: """
            Exit codes: 0 success (warnings allowed), 1 the ledger data has errors, \
            2 the configuration is unusable, 64 bad command-line usage.
            """,
        version: "0.1.0",
        subcommands: [Check.self, Preview.self, Simulate.self, Run.self, Status.self, DigestCommand.self, SendTest.self, CalendarCommand.self,
                      ExportCommand.self, ReportCommand.self, Passwd.self, MigrateState.self]
    )
}

/// Flags every subcommand shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Configuration file.", valueName: "path"))
    var config: String = "/etc/duban/duban.toml"
}

/// Output for people or for scripts.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}

/// Exit codes scripts can rely on; documented in the README.
enum ExitStatus {
    static let dataErrors = ExitCode(1)
    static let configurationUnusable = ExitCode(2)
}
