public import DubanCore
public import DubanStore
public import Foundation

/// The console's read-only model: the latest pass, as the daemon handed it
/// over, and the state database. Pages, /healthz and /metrics read from here;
/// nothing here writes to the database or the ledger.
public actor ConsoleSource {
    public nonisolated let database: any StateStore
    public nonisolated let settings: ConsoleSettings
    /// The clock. Injected so tests can age the last pass.
    nonisolated let now: @Sendable () -> Date
    nonisolated let metrics: ConsoleMetrics

    private var latest: ConsolePass?
    /// When a pass last planned with a ledger that read cleanly.
    private var lastGoodLedgerAt: Date?
    private var firstPassWaiters: [CheckedContinuation<Void, Never>] = []
    /// Figures of the latest pass's ledger, computed once per pass and day.
    private var figures: (passFinished: Date, today: LocalDate, digest: Digest)?

    public init(database: any StateStore, settings: ConsoleSettings, now: @escaping @Sendable () -> Date) {
        self.database = database
        self.settings = settings
        self.now = now
        self.metrics = ConsoleMetrics()
    }

    /// The daemon calls this after every pass, successful or not.
    public func record(_ pass: ConsolePass) {
        latest = pass
        if pass.ledgerError == nil && pass.failure == nil { lastGoodLedgerAt = pass.finishedAt }
        metrics.count(pass)
        for waiter in firstPassWaiters { waiter.resume() }
        firstPassWaiters.removeAll()
    }

    /// The latest pass and the current time, for rendering outside the actor.
    func current() -> (pass: ConsolePass?, now: Date) {
        (latest, now())
    }

    /// Returns once the first pass is recorded (true), or when the waiting task is cancelled (false).
    func waitForFirstPass() async -> Bool {
        if latest != nil { return true }
        if Task.isCancelled { return false }
        await withTaskCancellationHandler {
            await withCheckedContinuation { firstPassWaiters.append($0) }
        } onCancel: {
            Task { await self.releaseWaiters() }
        }
        return latest != nil
    }

    private func releaseWaiters() {
        for waiter in firstPassWaiters { waiter.resume() }
        firstPassWaiters.removeAll()
    }

    /// 200 only when the last pass succeeded, with a readable ledger, within
    /// twice the daemon's longest sleep.
    public func health() -> ConsoleHealth {
        let now = now()
        guard let pass = latest else { return .unhealthy("no pass has finished yet") }
        let clock = pass.planner.clock
        if let failure = pass.failure { return .unhealthy("the last pass (\(clock.iso(pass.finishedAt))) failed: \(failure)") }
        if let error = pass.ledgerError {
            return .unhealthy("the ledger cannot be read; the last good copy is in use: \(error)")
        }
        let age = now.timeIntervalSince(pass.finishedAt)
        let limit = Double(settings.wakeCap.components.seconds) * 2
        if age > limit {
            return .unhealthy("the last pass finished at \(clock.iso(pass.finishedAt)), \(Int(age)) s ago; more than twice the longest sleep (\(Int(limit)) s)")
        }
        return .healthy("the last pass finished at \(clock.iso(pass.finishedAt)), \(Int(age)) s ago")
    }

    /// The digest figures of the latest pass's ledger for today.
    func digest(now: Date) -> Digest? {
        guard let pass = latest else { return nil }
        let today = pass.planner.clock.date(of: now)
        if let figures, figures.passFinished == pass.finishedAt, figures.today == today { return figures.digest }
        let digest = DigestBuilder(planner: pass.planner).build(week: ISOWeek(containing: today), today: today,
                                                                .init(snapshot: pass.snapshot))
        figures = (pass.finishedAt, today, digest)
        return digest
    }

    /// The Prometheus text exposition of every figure, as of now.
    public func metricsText() async throws -> String {
        let facts = try await database.consoleFacts()
        let now = now()
        metrics.update(pass: latest, digest: digest(now: now), facts: facts,
                       lastGoodLedgerAt: lastGoodLedgerAt ?? facts.lastGoodLedgerAt, now: now)
        return metrics.text()
    }

    /// `[metrics] textfile`: the same text, written atomically (a temporary
    /// file in the same folder, then rename) so node_exporter never reads half.
    public func writeTextfile(to url: URL) async throws {
        try MetricsTextfile.write(try await metricsText(), to: url)
    }
}

enum MetricsTextfile {
    static func write(_ text: String, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        try Data(text.utf8).write(to: temporary)
        guard rename(temporary.path, url.path) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path,
                NSLocalizedDescriptionKey: "rename(\(temporary.path), \(url.path)) failed: \(String(cString: strerror(code)))"])
        }
    }
}
