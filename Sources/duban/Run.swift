import ArgumentParser
import DubanConfig
import DubanConsole
import DubanCore
import DubanDaemon
import DubanMail
import DubanPostgres
import DubanStore
import DubanSystemd
import Foundation
import Logging
import ServiceLifecycle

/// `duban run`: the daemon; `duban run --once [--at DATETIME]`: one pass and exit.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon, or (--once) plan, queue and deliver what is due and exit.",
        discussion: """
            Without --once Duban runs until SIGTERM: it tells systemd READY=1 once configuration, \
            state database and ledger are loaded (before the first pass), wakes when something is due, re-reads the ledger when it changes, \
            reloads on SIGHUP, and pings the watchdog when WatchdogSec= is set. It exits 2 before \
            READY when the configuration or the state database is unusable.

            --once makes one pass: read the ledger, plan at the given moment (default: now), queue \
            what is due, deliver everything in the outbox, and exit 0 — or 1 if a delivery failed, \
            2 if the state database is unusable. When another process (the daemon) delivers from \
            the same database, --once waits a few seconds for it, then only queues and says so. \
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
        let access: StateOpener.Access
        var transport: (any MailTransport)?
        do {
            // Another process delivering (the daemon, another --once): wait a
            // moment for it, then only queue and leave the sending to it.
            access = try await StateOpener.toDeliver(environment.configuration.state)
            if case .delivering = access { transport = try environment.makeTransport() }
        } catch let error as ConfigurationError {
            printErr(error.description)
            throw ExitStatus.configurationUnusable
        } catch {
            printErr("duban: \(error)")
            throw ExitStatus.configurationUnusable
        }
        let database = access.store
        defer { (database as? PostgresStore)?.close() }
        // A read-only or damaged state database stops here, before planning, with one line.
        try await withState { try await database.preflight(now: now) }
        let snapshot = environment.loadLedger()
        for diagnostic in snapshot.diagnostics where diagnostic.severity == .error { printErr(diagnostic.description) }
        let plan = try await withState { try await PlanStage(environment: environment).run(snapshot, database: database, now: now) }
        for warning in plan.warnings { printErr("warning: \(warning)") }
        guard case .delivering = access, let transport else {
            if case .queueOnly(_, let holder) = access {
                print("queued \(plan.messages.count) message(s), skipped \(plan.skipped.count); delivered 0: \(holder.message); it delivers them at its next pass")
            }
            return
        }
        if try await withState({ try await database.maintenanceDue(now: now) }) {
            _ = try await withState { try await database.maintain(now: now, keepBodiesDays: environment.configuration.state.keepBodiesDays) }
        }
        // An --at earlier than the last pass is a clock going backwards too: pull retries in.
        _ = try await withState { try await database.rebaseRetries(now: now, retryMaxSeconds: environment.configuration.delivery.retryMaxSeconds) }
        let report = try await withState {
            try await DeliverStage(transport: transport, delivery: environment.configuration.delivery).run(database: database, now: now)
        }
        print("queued \(plan.messages.count) message(s), skipped \(plan.skipped.count); delivered \(report.sent.count) via \(transport.description)")
        for (id, error) in report.retrying.sorted(by: { $0.key < $1.key }) { print("will retry \(id): \(error)") }
        for (id, error) in report.failed.sorted(by: { $0.key < $1.key }) { print("failed \(id): \(error)") }
        for (id, refused) in report.partlyRejected.sorted(by: { $0.key < $1.key }) {
            print("delivered \(id), but refused for good: \(refused.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: ", "))")
        }
        if let next = plan.next { print("next due: \(clock.iso(next))") }
        try? await database.setMeta("last_wake", clock.iso(now))
        if let next = [plan.next, report.nextRetry].compactMap({ $0 }).min() { try? await database.setMeta("next_wake", clock.iso(next)) }
        if !report.failed.isEmpty || !report.retrying.isEmpty { throw ExitStatus.dataErrors }
    }
}

extension Run {
    /// The long-running service: the daemon in a `ServiceGroup` that turns
    /// SIGTERM and SIGINT into a graceful shutdown (the pass in flight
    /// finishes), as Hummingbird's `runService` does.
    func runDaemon() async throws {
        let journal = JournalLogHandler.stderrIsJournal
        LoggingSystem.bootstrap { _ in journal ? JournalLogHandler() as any LogHandler : StderrLogHandler() }
        let logger = Logger(label: "duban")
        let notifier: any ServiceNotifier = SystemdNotifier.isAvailable ? SystemdNotifier() : SilentNotifier()
        let daemon: Daemon
        let http: Configuration.HTTP
        do {
            let environment = try Environment.load(configPath: global.config)
            http = environment.configuration.http
            // A pass allocates several times what lives between passes; glibc keeps
            // the freed pages unless told (one arena per thread: see the unit's
            // MALLOC_ARENA_MAX). Measured at 100k tasks: 751 MiB idle before, 128–176 after.
            daemon = try await Daemon(configPath: global.config, environment: environment, notifier: notifier, logger: logger,
                                      afterPass: { ProcessMemory.returnFreedPages() })
        } catch {
            // One line for the operator (and systemd's status), details in the log.
            let reason = "\(error)".split(whereSeparator: \.isNewline).first.map(String.init) ?? "\(error)"
            logger.critical("cannot start: \(error)")
            printErr("duban: cannot start: \(reason)")
            throw ExitStatus.configurationUnusable
        }
        var services: [any Service] = [daemon]
        if let listen = http.listen, let source = daemon.console {
            // The console: a second service in the same group; it opens its listener after the first pass.
            do {
                services.append(try ConsoleService(source: source, http: http, listen: listen, logger: logger))
            } catch {
                printErr("duban: cannot start the web console: \(error)")
                throw ExitStatus.configurationUnusable
            }
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.info("stopped")
    }
}
