import ArgumentParser
import DubanConfig
import DubanCore
import DubanDaemon
import DubanMail
import DubanStore
import DubanSystemd
import Foundation
import Logging

/// `duban run`: the daemon; `duban run --once [--at DATETIME]`: one pass and exit.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon, or (--once) plan, queue and deliver what is due and exit.",
        discussion: """
            Without --once Duban runs until SIGTERM: it tells systemd READY=1 once configuration \
            and ledger are loaded, wakes when something is due, re-reads the ledger when it changes, \
            reloads on SIGHUP, and pings the watchdog when WatchdogSec= is set. It exits 2 before \
            READY when the configuration or the state database is unusable.

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
        if at != nil && !once { throw ValidationError("--at needs --once: the daemon always runs on the real clock") }
    }

    func run() async throws {
        if !once { return try await runDaemon() }
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
        try? database.setMeta("last_wake", clock.iso(now))
        if let next = [plan.next, report.nextRetry].compactMap({ $0 }).min() { try? database.setMeta("next_wake", clock.iso(next)) }
        if !report.failed.isEmpty || !report.retrying.isEmpty { throw ExitStatus.dataErrors }
    }
}

extension Run {
    /// The long-running service.
    func runDaemon() async throws {
        let journal = JournalLogHandler.stderrIsJournal
        LoggingSystem.bootstrap { _ in journal ? JournalLogHandler() as any LogHandler : StderrLogHandler() }
        let logger = Logger(label: "duban")
        let notifier: any ServiceNotifier = SystemdNotifier.isAvailable ? SystemdNotifier() : SilentNotifier()
        let daemon: Daemon
        do {
            let environment = try Environment.load(configPath: global.config)
            daemon = try Daemon(configPath: global.config, environment: environment, notifier: notifier, logger: logger)
        } catch {
            // One line for the operator (and systemd's status), details in the log.
            let reason = "\(error)".split(whereSeparator: \.isNewline).first.map(String.init) ?? "\(error)"
            logger.critical("cannot start: \(error)")
            printErr("duban: cannot start: \(reason)")
            throw ExitStatus.configurationUnusable
        }
        try await daemon.run()
        logger.info("stopped")
    }
}
