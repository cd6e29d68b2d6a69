import DubanConfig
public import DubanCore
import DubanMail
public import DubanStore
public import DubanSystemd
public import Foundation
public import Logging

/// `duban run`: the clock around the pipeline.
///
/// A pass (tick) is a plain function of the state — read nothing new, plan
/// at now, queue, deliver — and the daemon only decides when to run one: at
/// the next instant something is due, when a ledger changed, on SIGHUP, and
/// when a retry is due. Between passes the process sleeps.
public actor Daemon {
    private var environment: Environment
    private let configPath: String
    private let database: DubanDatabase
    private var transport: any MailTransport
    private let notifier: any ServiceNotifier
    private let logger: Logger
    /// The longest the daemon sleeps: a wall-clock jump or a suspend can then
    /// delay a slot by at most this much.
    private let maximumSleep: TimeInterval

    /// The last ledger snapshot that read without file-level errors. A
    /// ledger being saved, locked or broken never replaces it.
    private var snapshot: LedgerSnapshot
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
    private var lastWake: Date?
    private var outbox = DubanDatabase.OutboxCounts(pending: 0, sent: 0, failed: 0)
    private var lastReportedFailures: [String: String] = [:]

    private var tickRunning = false
    private var tickAgain = false
    private var tickStarted = ContinuousClock.now
    private var stopping = false
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []
    private var stopped: CheckedContinuation<Void, Never>?
    private var wakeups: Wakeups?

    /// Loads state and the ledger; throws (before READY) when the state
    /// database cannot be opened, written or trusted, when another process
    /// delivers from it, or when the transport cannot be set up.
    public init(configPath: String, environment: Environment, notifier: any ServiceNotifier, logger: Logger,
                maximumSleep: TimeInterval = 300) async throws {
        self.configPath = configPath
        self.environment = environment
        self.notifier = notifier
        self.logger = logger
        self.maximumSleep = maximumSleep
        let statePath = environment.configuration.state.path
        try? FileManager.default.createDirectory(at: statePath.deletingLastPathComponent(), withIntermediateDirectories: true)
        // One deliverer per database (a second daemon stops here), and a
        // read-only or damaged file is found now, not at the first pass.
        let opened = try DubanDatabase.open(at: statePath, delivering: true)
        try await opened.preflight(now: Date())
        database = opened
        transport = try environment.makeTransport()
        let loaded = environment.loadLedger()
        if let problem = Self.fileLevelError(loaded) {
            // Start from the last good snapshot kept in the database, if any.
            snapshot = ((try? await opened.lastGoodSnapshot()) ?? nil) ?? loaded
            ledgerError = problem
        } else {
            snapshot = loaded
            ledgerError = nil
        }
    }

    /// Runs until SIGTERM/SIGINT. READY is sent once the first plan is made.
    public func run() async throws {
        let wakeups = Wakeups { [weak self] event in
            guard let self else { return }
            Task { await self.handle(event) }
        }
        self.wakeups = wakeups
        wakeups.watchSignals()
        watchLedgers()
        if let interval = notifier.watchdogInterval {
            wakeups.startWatchdog(every: interval / 2)
            logger.info("watchdog enabled", metadata: ["interval": "\(interval)"])
        }
        for diagnostic in environment.diagnostics { logger.warning("\(diagnostic)") }
        notifier.ready(status: "Loaded \(snapshot.tasks.count) tasks; planning")
        // Kept for a restart that finds the ledger unreadable; not needed to be ready.
        if ledgerError == nil { try? await database.saveLastGood(snapshot, at: Date()) }
        logger.info("started", metadata: ["tasks": "\(snapshot.tasks.count)", "transport": "\(transport.description)"])
        await tick(reason: "start")
        await withCheckedContinuation { continuation in stopped = continuation }
    }

    func handle(_ event: Wakeups.Event) async {
        switch event {
        case .timer: await tick(reason: "timer")
        case .ledgerChanged: await reloadLedger()
        case .reload: await reload()
        case .stop: await stop()
        case .watchdog: heartbeat()
        }
    }

    // MARK: - The pass

    /// One pass. Passes never overlap: a wake-up during a pass runs another
    /// pass right after it.
    func tick(reason: String) async {
        guard !stopping else { return }
        if tickRunning { tickAgain = true; return }
        tickRunning = true
        tickStarted = .now
        defer { finishTick() }
        repeat {
            tickAgain = false
            await pass(reason: reason)
        } while tickAgain && !stopping
    }

    private func pass(reason: String) async {
        let now = Date()
        lastWake = now
        var next: Date?
        do {
            let plan = try await PlanStage(environment: environment).run(snapshot, database: database, now: now)
            for message in plan.messages {
                logger.info("queued \(message.kind.rawValue)", metadata: [
                    "message_id": "\(message.id)", "rule": "\(message.items.first?.identity.rule ?? "")",
                    "task": "\(message.items.map(\.identity.task.rawValue).joined(separator: " "))",
                    "to": "\(message.to.compactMap(\.email).joined(separator: ","))",
                ])
            }
            for warning in plan.warnings { logger.warning("\(warning)") }
            let report = try await DeliverStage(transport: transport, delivery: environment.configuration.delivery).run(database: database, now: now)
            lastError = report.log(to: logger, plan: plan, reported: &lastReportedFailures)
            if let done = try await database.maintainIfDue(now: now, keepBodiesDays: environment.configuration.state.keepBodiesDays) {
                logger.info("maintenance", metadata: ["bodies_dropped": "\(done.bodiesDropped)", "snapshots_dropped": "\(done.snapshotsDropped)"])
            }
            next = [plan.next, report.nextRetry].compactMap { $0 }.min()
            outbox = try await database.outboxCounts()
        } catch {
            lastError = "\(error)"
            logger.error("pass failed: \(error)", metadata: ["reason": "\(reason)"])
            next = now.addingTimeInterval(60)  // try again soon; the error is in STATUS
        }
        let wake = min(next ?? now.addingTimeInterval(maximumSleep), now.addingTimeInterval(maximumSleep))
        nextWake = wake
        wakeups?.arm(at: wake)
        let clock = environment.clock
        try? await database.setMeta("last_wake", clock.iso(now))
        try? await database.setMeta("next_wake", clock.iso(next ?? wake))
        try? await database.setMeta("status", statusLine(due: next))
        notifier.status(statusLine(due: next))
    }

    private func finishTick() {
        tickRunning = false
        for waiter in idleWaiters { waiter.resume() }
        idleWaiters.removeAll()
    }

    /// `STATUS=`: what an operator sees in `systemctl status duban`.
    func statusLine(due next: Date?) -> String {
        let today = environment.clock.date(of: Date())
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

    private func watchLedgers() {
        do {
            try wakeups?.watch(environment.configuration.ledger.paths)
        } catch {
            logger.error("cannot watch the ledger folders: \(error); changes are picked up at the next wake")
        }
    }

    func reloadLedger() async {
        let loaded = environment.loadLedger()
        if let problem = Self.fileLevelError(loaded) {
            ledgerError = problem
            pendingShrink = nil
            logger.error("ledger unreadable; keeping the last good copy: \(problem)")
        } else if Self.shrankSharply(from: snapshot.tasks.count, to: loaded.tasks.count),
                  !(pendingShrink.map { $0.tasks == loaded.tasks.count && Date().timeIntervalSince($0.since) >= shrinkConfirmation } ?? false) {
            if pendingShrink?.tasks != loaded.tasks.count { pendingShrink = (loaded.tasks.count, Date()) }
            ledgerError = "the ledger now has \(loaded.tasks.count) tasks instead of \(snapshot.tasks.count); waiting \(Int(shrinkConfirmation)) s for it to stay so before believing it"
            logger.warning("ledger shrank sharply; keeping the last good copy until it is confirmed", metadata: [
                "tasks_before": "\(snapshot.tasks.count)", "tasks_now": "\(loaded.tasks.count)"])
            wakeups?.reread(after: shrinkConfirmation + 1)
        } else {
            pendingShrink = nil
            snapshot = loaded
            ledgerError = nil
            try? await database.saveLastGood(loaded, at: Date())
            logger.info("ledger re-read", metadata: ["tasks": "\(loaded.tasks.count)", "errors": "\(loaded.diagnostics.errorCount)"])
        }
        await tick(reason: "ledger changed")
    }

    /// SIGHUP: reload configuration, calendar, templates and people. A broken
    /// new configuration is refused and the old one keeps running.
    func reload() async {
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
        await reloadLedger()
    }

    /// SIGTERM: stop waking up, let the pass in flight finish (the message
    /// being sent is sent and marked), then return from `run()`.
    func stop() async {
        guard !stopping else { return }
        stopping = true
        notifier.stopping()
        logger.info("stopping")
        wakeups?.cancelAll()
        if tickRunning {
            await withCheckedContinuation { idleWaiters.append($0) }
        }
        stopped?.resume()
        stopped = nil
    }

    /// The watchdog ping, sent only when the main loop is making progress:
    /// this runs on the actor, so a pass stuck longer than the watchdog
    /// interval means no ping and systemd restarts the service.
    func heartbeat() {
        guard let interval = notifier.watchdogInterval else { return }
        if !tickRunning || ContinuousClock.now - tickStarted < interval {
            notifier.watchdog()
        }
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

extension DubanDatabase {
    func saveLastGood(_ snapshot: LedgerSnapshot, at now: Date) async throws {
        try await replaceSnapshot(snapshot, for: .lastGood, at: now)
    }
}
