import ArgumentParser
import DubanCore
import DubanDaemon
import DubanStore
import Foundation

/// `duban digest`: render (and optionally send) a digest now.
struct DigestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Render the weekly digest now: write it as HTML, text and JSON and print where; --send also mails it.",
        discussion: """
            The digest compares the ledger now with the snapshot kept with the previous week's digest. \
            Files go to --out (default: the digests/ folder beside the state database) and are never \
            overwritten: a second rendering of a week gets -2, -3 … With --send the digest is queued \
            and delivered like any notification; the week is then recorded, so the daemon does not \
            send it again.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The ISO week (2026-W27); default: the week of --at.", valueName: "week"))
    var week: String?

    @Option(help: ArgumentHelp("The moment the digest is computed at; default: now.", valueName: "datetime"))
    var at: String?

    @Option(help: ArgumentHelp("Folder for the files.", valueName: "dir"))
    var out: String?

    @Flag(help: "Also queue and deliver it through the configured transport.")
    var send = false

    func validate() throws {
        if let week, ISOWeek(week) == nil { throw ValidationError("--week \(week): expected an ISO week such as 2026-W27") }
    }

    func run() async throws {
        let environment = try loadEnvironment(global)
        let clock = environment.clock
        var now = Date()
        if let at {
            guard let parsed = clock.parse(at) else { throw ValidationError("--at \(at): expected a date and time such as 2026-07-06T09:00") }
            now = parsed
        }
        let week = self.week.flatMap(ISOWeek.init) ?? ISOWeek(containing: clock.date(of: now))
        let statePath = environment.configuration.state.path
        try FileManager.default.createDirectory(at: statePath.deletingLastPathComponent(), withIntermediateDirectories: true)
        let database = try DubanDatabase.open(at: statePath)
        let snapshot = environment.loadLedger()
        let stage = DigestStage(environment: environment, archives: out == nil)
        let produced = try stage.produce(week: week, snapshot: snapshot, database: database, now: now, send: send)
        let files = out == nil ? produced.archived : try stage.archive(produced.digest, folder: URL(fileURLWithPath: out!))
        let counts = produced.digest.counts
        print("digest \(week): \(counts.tasks) tasks, completion rate \(String(format: "%.1f%%", counts.completionRate)), \(counts.overdue) overdue")
        for file in files { print("wrote \(file.path)") }
        guard send else { return }
        try database.queue(produced.mails, skipped: [], at: now)
        let report = try await DeliverStage(transport: try environment.makeTransport(), delivery: environment.configuration.delivery)
            .run(database: database, now: now)
        print("sent \(report.sent.count) digest mail(s)")
        for (id, error) in report.retrying.merging(report.failed, uniquingKeysWith: { a, _ in a }) { print("not delivered \(id): \(error)") }
        if !report.failed.isEmpty || !report.retrying.isEmpty { throw ExitStatus.dataErrors }
    }
}
