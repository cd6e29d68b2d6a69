import ArgumentParser
import DubanConfig
import DubanCore
import DubanDaemon
import DubanMail
import DubanStore
import Foundation

/// `duban run --once [--at DATETIME]`: one pass and exit.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Plan, queue and deliver what is due, then exit (--once).",
        discussion: """
            --once makes one pass: read the ledger, plan at the given moment (default: now), queue \
            what is due, deliver everything in the outbox, and exit 0 — or 1 if a delivery failed. \
            The state database records what was sent exactly as the daemon does, so passes never \
            send the same notification twice. --at fixes the clock, for demonstrations, tests and \
            catching up by hand.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Make one pass and exit.")
    var once = false

    @Option(help: ArgumentHelp("Plan as if it were this moment (with --once).", valueName: "datetime"))
    var at: String?

    func validate() throws {
        guard once else { throw ValidationError("the daemon loop is not available yet; use --once") }
    }

    func run() async throws {
        let environment = try loadEnvironment(global)
        let clock = environment.clock
        var now = Date()
        if let at {
            guard let parsed = clock.parse(at) else { throw ValidationError("--at \(at): expected a date and time such as 2026-06-23T09:00") }
            now = parsed
        }
        let database: DubanDatabase
        let transport: any MailTransport
        do {
            try FileManager.default.createDirectory(at: environment.configuration.state.path.deletingLastPathComponent(), withIntermediateDirectories: true)
            database = try DubanDatabase.open(at: environment.configuration.state.path)
            transport = try environment.makeTransport()
        } catch let error as ConfigurationError {
            printErr(error.description)
            throw ExitStatus.configurationUnusable
        } catch {
            printErr("duban: \(error)")
            throw ExitStatus.configurationUnusable
        }
        let snapshot = environment.loadLedger()
        for diagnostic in snapshot.diagnostics where diagnostic.severity == .error { printErr(diagnostic.description) }
        let plan = try PlanStage(environment: environment).run(snapshot, database: database, now: now)
        for warning in plan.warnings { printErr("warning: \(warning)") }
        let report = try await DeliverStage(transport: transport, delivery: environment.configuration.delivery).run(database: database, now: now)
        print("queued \(plan.messages.count) message(s), skipped \(plan.skipped.count); delivered \(report.sent.count) via \(transport.description)")
        for (id, error) in report.retrying.sorted(by: { $0.key < $1.key }) { print("will retry \(id): \(error)") }
        for (id, error) in report.failed.sorted(by: { $0.key < $1.key }) { print("failed \(id): \(error)") }
        for (id, refused) in report.partlyRejected { print("delivered \(id), but refused: \(refused.map { "\($0.key) (\($0.value))" }.joined(separator: ", "))") }
        if let next = plan.next { print("next due: \(clock.iso(next))") }
        if !report.failed.isEmpty || !report.retrying.isEmpty { throw ExitStatus.dataErrors }
    }
}
