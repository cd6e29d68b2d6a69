import ArgumentParser
import DubanCore
import DubanDaemon
import Foundation

/// `duban simulate --from DATE --to DATE`: the whole timeline, before going live.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the planner over virtual time and print every message it would send.",
        discussion: """
            Uses a private in-memory state database: the real one is not touched. Every slot \
            between the two dates (inclusive) is visited, as a daemon running without a break would.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("First day (YYYY-MM-DD) or moment.", valueName: "date"))
    var from: String

    @Option(help: ArgumentHelp("Last day (YYYY-MM-DD, inclusive) or moment.", valueName: "date"))
    var to: String

    @Option(help: "Output format.")
    var format: OutputFormat = .text

    func run() async throws {
        let environment = try loadEnvironment(global)
        let clock = environment.clock
        guard let start = clock.parse(from) else { throw ValidationError("--from \(from): expected a date such as 2026-06-01") }
        guard var end = clock.parse(to) else { throw ValidationError("--to \(to): expected a date such as 2026-12-31") }
        if LocalDate(to) != nil { end = end.addingTimeInterval(24 * 3600 - 1) }  // a bare date includes the whole day
        guard start <= end else { throw ValidationError("--from must not be after --to") }

        let snapshot = environment.loadLedger()
        let result = try await Simulation(environment: environment).run(snapshot, from: start, to: end)
        switch format {
        case .json:
            printJSON { json in
                json.beginObject()
                json.field("from", clock.iso(start))
                json.key("messages")
                json.beginArray()
                for entry in result.entries {
                    MessageJSON(entry.message, slot: entry.at, subject: entry.subject, clock: clock, digest: entry.digest, personal: entry.personal).write(to: &json)
                }
                json.endArray()
                json.key("skipped")
                json.beginArray()
                for (at, skip) in result.skipped { writeSkip(skip, at: clock.iso(at), to: &json) }
                json.endArray()
                json.field("to", clock.iso(end))
                json.field("warnings", strings: result.warnings)
                json.endObject()
            }
        case .text:
            for warning in result.warnings { print("warning: \(warning)") }
            print("\(result.entries.count) message(s) from \(clock.iso(start)) to \(clock.iso(end)):\n")
            for entry in result.entries {
                print(MessageJSON.textLine(entry.message, slot: entry.at, subject: entry.subject, clock: clock, digest: entry.digest, personal: entry.personal))
            }
            for (at, skip) in result.skipped { print("\(clock.iso(at)) skipped \(skip.identity): \(skip.reason.explanation)") }
        }
    }
}
