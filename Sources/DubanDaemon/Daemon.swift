public import DubanConsole
import DubanConfig
import DubanCore
import DubanMail
import DubanPostgres
import DubanStore
public import DubanSystemd
import Dispatch
public import Foundation
public import Logging
public import ServiceLifecycle
import UnixSignals

/// `duban run`: the clock around the pipeline, run as a `Service` by a
/// swift-service-lifecycle `ServiceGroup` (see `runDaemon` in duban/Run.swift).
///
/// A pass is a plain function of the state — plan at now, queue, deliver —
/// and the daemon only decides when to run one: at the next instant
/// something is due, when a ledger changed, on SIGHUP, and when a retry is
/// due. Everything that can wake it (signals, inotify, timers, the watchdog,
/// shutdown) is an event in one `AsyncStream` that one loop consumes: a pass
/// never overlaps another and events keep their order. Between passes the
/// loop waits on the stream.
public actor Daemon {
    private var environment: Environment
    private let configPath: String
    private let database: any StateStore
    /// With PostgreSQL: the lease this daemon leads under, and what it last
    /// reported. Nil with SQLite, where holding the delivery lock is leading.
    private let lease: PostgresLease?
    private var role: PostgresLease.Role?
    private var transport: any MailTransport
    private let notifier: any ServiceNotifier
    private let logger: Logger
    /// The wall clock. Injected so tests can step it (forwards and back).
    private let now: @Sendable () -> Date
    /// The longest the daemon sleeps: a wall-clock step or a suspend can then
    /// delay a slot by at most this much.
    private let maximumSleep: TimeInterval
    /// How long after the last change to a ledger it is re-read: editors and
    /// sync tools write a file in several steps.
    private let debounce: Duration
    /// Run after every pass of the loop. `duban run` hands the heap's freed
    /// pages back to the system here (`ProcessMemory.returnFreedPages`): a
    /// pass allocates several times what the daemon keeps between passes.
    /// A process-wide side effect, so it is the caller's to choose, not this
    /// type's (tests build daemons inside the test process).
    private let afterPass: @Sendable () -> Void

    /// The last ledger snapshot that read without file-level errors. A
    /// ledger being saved, locked or broken never replaces it.
    private var snapshot = LedgerSnapshot()
    private var ledgerError: String?
    /// A re-read that lost many tasks waits for a second, identical read
    /// before it replaces the last good copy: a CSV cut exactly at a line
    /// end reads cleanly but is still a file being saved.
    private var pendingShrink: (tasks: Int, since: Date)?
    /// How long a shrunken ledger must stay the same before it is believed.
    private let shrinkConfirmation: TimeInterval = 20
    /// Set while the running configuration is older than the file on disk
    /// because the last SIGHUP found the file broken.
    private var reloadError: String?
    private var lastError: String?
    private var nextWake: Date?
    /// The wall-clock time of the last pass: a pass that finds the clock
    /// earlier than this knows it was stepped back.
    private var lastPass: Date?
    private var outbox = OutboxCounts(pending: 0, sent: 0, failed: 0)
    private var lastReportedFailures: [String: String] = [:]

    /// The loop's own stream; `events` is consumed by `loop` only.
    private let events: AsyncStream<DaemonEvent>
    private let input: AsyncStream<DaemonEvent>.Continuation
    /// The latest alarm of each timer; older ones still sleeping are stale.
    private var wakeAlarm = Alarm(generation: 0)
    private var settleAlarm = Alarm(generation: 0)
    private var shrinkAlarm = Alarm(generation: 0)
    private var ledgerWatch: LedgerWatch?
    /// Ledgers are parsed here, not on the cooperative pool: a very large
    /// workbook takes seconds of CPU, and a pool thread held that long
    /// starves every other task (the SMTP client, the signal stream). A
    /// serial Dispatch queue gets a thread of its own when it has work and
    /// none otherwise, needs no start or shutdown (unlike NIOThreadPool,
    /// which would also pull NIOPosix into this module), and being serial it
    /// never reads two copies of the ledger at once.
    private let ledgerQueue = DispatchQueue(label: "duban.ledger-reader")

    /// Opens the state database and sets up the transport; throws (before
    /// READY) when the state database cannot be opened, written or trusted,
    /// when another process delivers from it, or when the transport cannot
    /// be set up. The ledger is read in `run()`.
    /// What the web console and the metrics textfile show: the latest pass.
    /// Nil when neither `[http] listen` nor `[metrics] textfile` is set.
    public nonisolated let console: ConsoleSource?

    public init(configPath: String, environment: Environment, notifier: any ServiceNotifier, logger: Logger,
                maximumSleep: TimeInterval = 300, debounce: Duration = .seconds(2),
                now: @escaping @Sendable () -> Date = { Date() },
                afterPass: @escaping @Sendable () -> Void = {}) async throws {
        self.configPath = configPath
        self.afterPass = afterPass
        self.environment = environment
        self.notifier = notifier
        self.logger = logger
        self.maximumSleep = maximumSleep
        self.debounce = debounce
        self.now = now
        // SQLite: one deliverer per database (a second daemon stops here).
        // PostgreSQL: any number; the lease decides who leads (`run()`).
        // A read-only or damaged store is found now, not at the first pass.
        let opened = try await StateOpener.forDaemon(environment.configuration.state, logger: logger)
        try await opened.preflight(now: now())
        database = opened
        lease = (opened as? PostgresStore)?.lease
        transport = try environment.makeTransport()
        // The console and the metrics textfile read what each pass records here.
        let configuration = environment.configuration
        if configuration.http.listen != nil || configuration.metrics.textfile != nil {
            console = ConsoleSource(
                database: opened,
                settings: ConsoleSettings(organization: configuration.organization.name, programme: configuration.programme.name,
                                          locale: configuration.organization.locale.rawValue, wakeCap: .seconds(Int64(maximumSleep))),
                now: now)
        } else {
            console = nil
        }
        (events, input) = AsyncStream.makeStream(of: DaemonEvent.self)
    }

    /// Runs until graceful shutdown (SIGTERM/SIGINT through the service
    /// group). READY is sent once the configuration and the state database
    /// are usable (`init`), the signals are trapped and the ledger is loaded
    /// (DESIGN.md: scripts running `systemctl start duban && duban preview`
    /// must not race the first read); STATUS says while the ledger is read.
    /// A ledger that cannot be read is replaced by the last good copy and
    /// reported in STATUS: it delays READY by the read, never withholds it.
    /// The first pass plans after READY.
    public func run() async throws {
        // Trapped before READY, so a reload requested as soon as systemd
        // considers the service up is never lost (nor kills the process).
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        await withDiscardingTaskGroup { group in
            group.addTask { [input] in
                for await _ in hangups { input.yield(.reload) }
            }
            if let interval = notifier.watchdogInterval {
                // Only a tick: the ping itself is sent by the loop when it
                // takes the tick, so a stuck pass means no ping.
                group.addTask { [input] in
                    while (try? await Task.sleep(for: interval / 2)) != nil { input.yield(.watchdog) }
                }
                logger.info("watchdog enabled", metadata: ["interval": "\(interval)"])
            }
            if let lease {
                // Takes the lease (standing by while another holds it) and
                // renews it; each change of role is an event for the loop.
                group.addTask { [input, now] in
                    await lease.run(now: now) { role in input.yield(.leadership(role)) }
                }
            }
            // Watched before the read: a save while it runs is re-read after the first pass.
            watchLedgers()
            for diagnostic in environment.diagnostics { logger.warning("\(diagnostic)") }
            notifier.status("Reading the ledger")
            let loaded = await readLedger()
            if let problem = Self.fileLevelError(loaded) {
                // Start from the last good snapshot kept in the database, if any.
                do {
                    snapshot = try await database.lastGoodSnapshot() ?? loaded
                } catch {
                    snapshot = loaded
                    logger.error("cannot read the last good ledger from the state database; planning with the ledger as read", metadata: ["error": "\(error)"])
                }
                ledgerError = problem
            } else {
                snapshot = loaded
                ledgerError = nil
            }
            // READY once the ledger is loaded (DESIGN.md): `systemctl start`,
            // and every unit ordered after this one, can count on it.
            notifier.ready(status: "Loaded \(snapshot.tasks.count) tasks; planning")
            // Kept for a restart that finds the ledger unreadable.
            if ledgerError == nil && database.holdsDeliveryLock { await keepLastGood(snapshot, at: now()) }
            logger.info("started", metadata: ["tasks": "\(snapshot.tasks.count)", "transport": "\(transport.description)"])

            await withGracefulShutdownHandler {
                // A SIGTERM during start-up: no pass is begun at all.
                guard !Task.isShuttingDownGracefully else { return }
                await runPass(reason: "start", timers: &group)
                await loop(timers: &group)
            } onGracefulShutdown: { [input, notifier, logger] in
                // Said at once; the pass in flight (if any) still finishes.
                notifier.stopping()
                logger.info("stopping")
                input.yield(.stop)
            }
            ledgerWatch = nil
            group.cancelAll()   // the signal stream, the watchdog tick, sleeping alarms
        }
    }

    /// The one consumer of the event stream. Returns on `.stop`, after the
    /// pass in flight (if any) has finished: a message being sent is sent
    /// and marked.
    private func loop(timers group: inout DiscardingTaskGroup) async {
        for await event in events {
            if Task.isShuttingDownGracefully { return }
            switch event {
            case .stop:
                return
            case .deadline(let alarm):
                guard alarm == wakeAlarm else { continue }
                // The sleep ended on the monotonic clock, at the wall-clock
                // instant it aimed for or at the cap. The pass reads the wall
                // clock afresh either way: if it was stepped forward, what is
                // due now goes now; if it was stepped back, the pass sees it
                // (and says so) and plans from the real time.
                await runPass(reason: "timer", timers: &group)
            case .ledgerTouched:
                settleAlarm = Alarm(generation: settleAlarm.generation + 1)
                arm(.ledgerSettled(settleAlarm), after: debounce, in: &group)
            case .ledgerSettled(let alarm):
                guard alarm == settleAlarm else { continue }
                await reloadLedger(timers: &group)
            case .confirmShrink(let alarm):
                guard alarm == shrinkAlarm else { continue }
                await reloadLedger(timers: &group)
            case .reload:
                await reload(timers: &group)
            case .watchdog:
                // Taken by the loop between passes: this is progress.
                notifier.watchdog()
            case .leadership(let role):
                self.role = role
                switch role {
                case .leader(let since):
                    logger.info("leading", metadata: ["since": "\(environment.clock.iso(since))"])
                    await runPass(reason: "took the lead", timers: &group)
                case .takingOver, .standby:
                    logger.info("\(standbyLine())")
                    notifier.status(standbyLine())
                }
            }
        }
    }

    /// A child task that sleeps and then yields `event`. Cancelled with the
    /// group at shutdown; a stale one (re-armed since) is ignored by `loop`.
    private func arm(_ event: DaemonEvent, after delay: Duration, in group: inout DiscardingTaskGroup) {
        let deadline = ContinuousClock.now + delay
        group.addTask { [input] in
            do {
                try await Task.sleep(until: deadline, clock: .continuous)
                input.yield(event)
            } catch {
                // Cancelled: the daemon is stopping.
            }
        }
    }

    /// Reads every ledger on `ledgerQueue`, off the cooperative pool.
    private func readLedger() async -> LedgerSnapshot {
        let environment = environment
        return await withCheckedContinuation { continuation in
            ledgerQueue.async { continuation.resume(returning: environment.loadLedger()) }
        }
    }

    // MARK: - The pass

    /// A pass, then the wake-up deadline it asks for. The sleep is on the
    /// monotonic clock (which counts a suspend) and capped at
    /// `maximumSleep`: a slot at 09:00 is still planned on the wall clock,
    /// and if the wall clock is stepped while the loop sleeps, the capped
    /// wake-up re-reads it within `maximumSleep`.
    private func runPass(reason: String, timers group: inout DiscardingTaskGroup) async {
        let wake = await pass(reason: reason)
        afterPass()
        let seconds = min(max(wake.timeIntervalSince(now()), 0), maximumSleep)
        wakeAlarm = Alarm(generation: wakeAlarm.generation + 1)
        arm(.deadline(wakeAlarm), after: .milliseconds(Int64((seconds * 1000).rounded(.up))), in: &group)
    }

    /// One pass: plan → deliver → status. Returns when to wake next.
    func pass(reason: String) async -> Date {
        let now = now()
        // A standby (or a leader whose lease lapsed) neither plans nor sends:
        // the lease loop wakes it when it leads.
        guard database.holdsDeliveryLock else {
            notifier.status(standbyLine())
            return now.addingTimeInterval(maximumSleep)
        }
        let started = ContinuousClock.now
        noticeClockStep(now)
        var next: Date?
        // Only kept when someone reads it (the console or the metrics textfile).
        var record = console.map { _ in
            ConsolePass(finishedAt: now, duration: .zero, snapshot: snapshot, diagnostics: snapshot.diagnostics + environment.diagnostics,
                        ledgerError: ledgerError, planner: environment.planner)
        }
        do {
            // After a backward step, retries would otherwise wait for the size of the step.
            let pulledIn = try await database.rebaseRetries(now: now, retryMaxSeconds: environment.configuration.delivery.retryMaxSeconds)
            if pulledIn > 0 {
                logger.warning("retries scheduled beyond the longest backoff were pulled in to now", metadata: ["messages": "\(pulledIn)"])
            }
            let plan = try await PlanStage(environment: environment).run(snapshot, database: database, now: now)
            for message in plan.messages {
                logger.info("queued \(message.kind.rawValue)", metadata: [
                    "message_id": "\(message.id)", "rule": "\(message.items.first?.identity.rule ?? "")",
                    "task": "\(message.items.map(\.identity.task.rawValue).joined(separator: " "))",
                    "to": "\(message.to.compactMap(\.email).joined(separator: ","))",
                ])
            }
            for warning in plan.warnings { logger.warning("\(warning)") }
            var deliver = DeliverStage(transport: transport, delivery: environment.configuration.delivery)
            if notifier.watchdogInterval != nil {
                // Each message recorded is progress: a long batch keeps the watchdog fed.
                deliver.onProgress = { [notifier] in notifier.watchdog() }
            }
            let report = try await deliver.run(database: database, now: now)
            lastError = report.log(to: logger, plan: plan, reported: &lastReportedFailures)
            if let done = try await database.maintainIfDue(now: now, keepBodiesDays: environment.configuration.state.keepBodiesDays) {
                logger.info("maintenance", metadata: ["bodies_dropped": "\(done.bodiesDropped)", "snapshots_dropped": "\(done.snapshotsDropped)"])
            }
            next = [plan.next, report.nextRetry].compactMap { $0 }.min()
            outbox = try await database.outboxCounts()
            record?.planned = ConsolePass.count(plan.messages)
            record?.deliveries = .init(sent: report.sent.count, retrying: report.retrying.count, failed: report.failed.count)
        } catch {
            record?.failure = "\(error)"
            lastError = "\(error)"
            logger.error("pass failed: \(error)", metadata: ["reason": "\(reason)"])
            next = now.addingTimeInterval(60)  // try again soon; the error is in STATUS
        }
        let wake = min(next ?? now.addingTimeInterval(maximumSleep), now.addingTimeInterval(maximumSleep))
        nextWake = wake
        let clock = environment.clock
        try? await database.setMeta("last_wake", clock.iso(now))
        try? await database.setMeta("next_wake", clock.iso(next ?? wake))
        try? await database.setMeta("status", statusLine(due: next, now: now))
        notifier.status(statusLine(due: next, now: now))
        if let console, var record {
            record.duration = ContinuousClock.now - started
            record.nextWake = wake
            await console.record(record)
            if let textfile = environment.configuration.metrics.textfile {
                do {
                    try await console.writeTextfile(to: textfile)
                } catch {
                    logger.warning("metrics textfile not written: \(error)", metadata: ["path": "\(textfile.path)"])
                }
            }
        }
        return wake
    }

    /// `STATUS=` of a daemon that does not lead: `standby, leader HOST PID since …`.
    func standbyLine() -> String {
        switch role {
        case .takingOver:
            return "taking over: the lease is held; waiting out the fence before the first send"
        case .standby(let leader?):
            return "standby, leader \(leader.host) \(leader.pid) since \(environment.clock.iso(leader.since))"
        case .standby(nil), .leader, nil:
            return "standby, no leader seen yet"
        }
    }

    /// Logs a wall clock stepped back since the last pass (NTP, a restored
    /// VM): digests and retries are guarded against it, an operator should
    /// still know. A second of slack keeps slewing and rounding quiet.
    private func noticeClockStep(_ now: Date) {
        defer { lastPass = now }
        guard let lastPass, now < lastPass.addingTimeInterval(-1) else { return }
        logger.warning("the wall clock went back since the last pass", metadata: [
            "last_pass": "\(environment.clock.iso(lastPass))", "now": "\(environment.clock.iso(now))",
            "seconds": "\(Int(lastPass.timeIntervalSince(now)))",
        ])
    }

    /// `STATUS=`: what an operator sees in `systemctl status duban`.
    func statusLine(due next: Date?, now: Date) -> String {
        let today = environment.clock.date(of: now)
        let open = snapshot.tasks.filter { !$0.status.isDone && $0.status != .ongoing }
        let overdue = open.filter { task in environment.planner.dueDate(task).map { $0 < today } ?? false }.count
        var parts = ["\(snapshot.tasks.count) tasks", "\(overdue) overdue",
                     "outbox \(outbox.pending) pending, \(outbox.failed) failed"]
        parts.append("next \(next.map { environment.clock.iso($0) } ?? "nothing scheduled")")
        if let ledgerError { parts.append("LEDGER ERROR (using last good copy): \(ledgerError)") }
        if let reloadError { parts.append("reload refused, old configuration kept: \(reloadError)") }
        if let lastError { parts.append("last error: \(lastError)") }
        return parts.joined(separator: " · ")
    }

    // MARK: - Events

    /// (Re)starts the inotify watch on the configured ledgers' folders.
    private func watchLedgers() {
        ledgerWatch = nil
        do {
            ledgerWatch = try LedgerWatch(environment.configuration.ledger.paths) { [input] in input.yield(.ledgerTouched) }
        } catch {
            logger.error("cannot watch the ledger folders: \(error); changes are picked up at the next reload")
        }
    }

    /// Re-reads the ledgers, decides whether to believe them, then passes.
    private func reloadLedger(timers group: inout DiscardingTaskGroup) async {
        let loaded = await readLedger()
        let now = now()
        if let problem = Self.fileLevelError(loaded) {
            ledgerError = problem
            pendingShrink = nil
            logger.error("ledger unreadable; keeping the last good copy: \(problem)")
        } else if Self.shrankSharply(from: snapshot.tasks.count, to: loaded.tasks.count),
                  !(pendingShrink.map { $0.tasks == loaded.tasks.count && now.timeIntervalSince($0.since) >= shrinkConfirmation } ?? false) {
            if pendingShrink?.tasks != loaded.tasks.count { pendingShrink = (loaded.tasks.count, now) }
            ledgerError = "the ledger now has \(loaded.tasks.count) tasks instead of \(snapshot.tasks.count); waiting \(Int(shrinkConfirmation)) s for it to stay so before believing it"
            logger.warning("ledger shrank sharply; keeping the last good copy until it is confirmed", metadata: [
                "tasks_before": "\(snapshot.tasks.count)", "tasks_now": "\(loaded.tasks.count)"])
            shrinkAlarm = Alarm(generation: shrinkAlarm.generation + 1)
            arm(.confirmShrink(shrinkAlarm), after: .seconds(shrinkConfirmation + 1), in: &group)
        } else {
            pendingShrink = nil
            snapshot = loaded
            ledgerError = nil
            if database.holdsDeliveryLock { await keepLastGood(loaded, at: now) }
            logger.info("ledger re-read", metadata: ["tasks": "\(loaded.tasks.count)", "errors": "\(loaded.diagnostics.errorCount)"])
        }
        await runPass(reason: "ledger changed", timers: &group)
    }

    /// Keeps a ledger that read cleanly as the copy a later start falls back
    /// to. A failure is logged, not fatal: this pass plans all the same, but
    /// the copy on file is older than the ledger in use.
    ///
    /// The task-id upgrade runs first: it matches the ids of the copy on file
    /// (written by an older release) against this ledger's, and replacing
    /// the copy before that would leave it nothing to match, so every task
    /// would look new. When the upgrade fails, the old copy stays too, and
    /// the pass's own attempt (in `PlanStage`) has it still.
    private func keepLastGood(_ ledger: LedgerSnapshot, at now: Date) async {
        do {
            try await TaskIDUpgrade.adopt(current: ledger, database: database)
        } catch {
            logger.error("cannot carry the history over to the new task ids; the last good copy is kept as it was",
                         metadata: ["error": "\(error)"])
            return
        }
        do {
            try await database.saveLastGood(ledger, at: now)
        } catch {
            logger.error("cannot keep this ledger as the last good copy; a start that finds the ledger unreadable would plan with an older one",
                         metadata: ["tasks": "\(ledger.tasks.count)", "error": "\(error)"])
        }
    }

    /// SIGHUP: reload configuration, calendar, templates and people. A broken
    /// new configuration is refused and the old one keeps running.
    private func reload(timers group: inout DiscardingTaskGroup) async {
        notifier.reloading()
        do {
            let fresh = try Environment.load(configPath: configPath)
            let freshTransport = try fresh.makeTransport()
            environment = fresh
            transport = freshTransport
            reloadError = nil
            watchLedgers()
            logger.info("configuration reloaded")
        } catch {
            reloadError = "\(error)".split(whereSeparator: \.isNewline).joined(separator: "; ")
            logger.error("reload refused; the old configuration keeps running: \(error)")
        }
        notifier.ready(status: "Reloaded")
        await reloadLedger(timers: &group)
    }

    /// More than a tenth of the tasks (and at least two) gone in one save.
    static func shrankSharply(from before: Int, to after: Int) -> Bool {
        before - after >= 2 && after * 10 < before * 9
    }

    /// The reason a snapshot must not replace the last good one: a file
    /// that could not be read at all, or a sheet without its header.
    static func fileLevelError(_ snapshot: LedgerSnapshot) -> String? {
        snapshot.diagnostics.first { $0.severity == .error && $0.location.row == nil }.map(\.description)
    }
}

/// Run by a `ServiceGroup` with graceful shutdown on SIGTERM and SIGINT.
extension Daemon: Service {}

extension StateStore {
    func saveLastGood(_ snapshot: LedgerSnapshot, at now: Date) async throws {
        try await replaceSnapshot(snapshot, for: .lastGood, at: now)
    }
}
