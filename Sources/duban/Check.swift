import ArgumentParser
import DubanConfig
import DubanDaemon
import DubanCore
import DubanLedger
import Foundation

/// `duban check`: load configuration, people and ledgers, and report.
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load the configuration, people directory and ledgers, and report what Duban understood.",
        discussion: """
            Prints a summary and every diagnostic as file:row:column: error|warning: message. \
            Also checks what `run` will need: the SMTP password file is readable and the state \
            folder writable or creatable. Exits 0 when clean or with warnings only, 1 when the data \
            has errors, 2 when the configuration is unusable or `run` could not work.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Output format.")
    var format: OutputFormat = .text

    func run() async throws {
        let environment = try loadEnvironment(global)
        let report = await CheckReport.make(environment, now: Date())
        switch format {
        case .text: print(report.text, terminator: "")
        case .json: print(report.json)
        }
        if !report.readiness.isEmpty { throw ExitStatus.configurationUnusable }
        if report.diagnostics.errorCount > 0 { throw ExitStatus.dataErrors }
    }
}

func printErr(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
