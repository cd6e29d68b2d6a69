public import DubanCore
public import Foundation

/// Duban's state, whichever database holds it: the notification log, the
/// outbox, what Duban observed about tasks, and ledger snapshots. The seam
/// between the pipeline and its storage: the planner, the stages and the
/// commands see only this, and two stores implement it — `DubanDatabase`
/// (SQLite, one file, the embedded default) and `PostgresStore`
/// (DubanPostgres, one database shared by several daemons, one of which
/// leads).
///
/// Both run the same migrations (each in its own dialect) and pass the same
/// tests (`StateStoreTests`, parameterised by backend). Every failure is a
/// `StoreError`.
///
/// Adding a method: declare it here, implement it in a new
/// `DubanDatabase+<Area>.swift` (SQLite) and `PostgresStore+<Area>.swift`
/// (PostgreSQL), and give it a test in `StateStoreTests` so it runs against
/// both; a migration goes into both `DubanDatabase.migrator` and
/// `PostgresMigrations.all` under the same name.
public protocol StateStore: AnyObject, Sendable {
    /// Where the state is, for messages and `status` (a path, or a URL without password).
    var location: String { get }

    /// Whether this process may deliver from the outbox now: it holds the
    /// SQLite delivery lock, or the PostgreSQL lease (and has renewed it in time).
    var holdsDeliveryLock: Bool { get }

    /// That the store is sound and writable, before READY.
    func preflight(now: Date) async throws(StoreError)

    // MARK: The notification log

    /// Every identity ever decided (queued, sent or skipped).
    func loggedIdentities() async throws(StoreError) -> Set<NotificationIdentity>
    /// Queues messages and records skipped notifications in one transaction;
    /// an identity already logged refuses the whole call (`alreadyRecorded`).
    func queue(_ mails: [OutgoingMail], skipped: [SkippedNotification], at now: Date) async throws(StoreError)
    func earlierNotices(for tasks: [TaskID]) async throws(StoreError) -> [TaskID: [EarlierNotice]]
    func highestEscalations() async throws(StoreError) -> [TaskID: Int]
    func logState(of identity: NotificationIdentity) async throws(StoreError) -> LogState?
    func recordedAt(_ identity: NotificationIdentity) async throws(StoreError) -> Date?

    // MARK: Observations

    func observeCompletions(_ snapshot: LedgerSnapshot, today: LocalDate) async throws(StoreError) -> Planner.FirstSeenCompleted
    func completions(_ snapshot: LedgerSnapshot, today: LocalDate) async throws(StoreError) -> Planner.FirstSeenCompleted
    func observeDeadlines(_ deadlines: [TaskID: LocalDate], today: LocalDate) async throws(StoreError) -> Planner.DeadlineChanges
    func deadlineChanges(_ deadlines: [TaskID: LocalDate], today: LocalDate) async throws(StoreError) -> Planner.DeadlineChanges
    func adoptTaskIDs(_ mapping: [TaskID: TaskID], scheme: String) async throws(StoreError)

    // MARK: Meta and snapshots

    func setMeta(_ key: String, _ value: String) async throws(StoreError)
    func meta(_ key: String) async throws(StoreError) -> String?
    @discardableResult
    func saveSnapshot(_ snapshot: LedgerSnapshot, for purpose: SnapshotPurpose, at now: Date) async throws(StoreError) -> Bool
    func replaceSnapshot(_ snapshot: LedgerSnapshot, for purpose: SnapshotPurpose, at now: Date) async throws(StoreError)
    func lastGoodSnapshot() async throws(StoreError) -> LedgerSnapshot?
    func latestDigestSnapshot(before week: ISOWeek?) async throws(StoreError) -> (week: ISOWeek, snapshot: LedgerSnapshot)?
    /// The kept snapshots taken at or before `now`, oldest first, reduced
    /// one at a time to a `LedgerTrail` (台账异常's history); one that no
    /// longer decodes is counted in `undecodable`.
    func ledgerTrail(upTo now: Date, today: LocalDate, day: @escaping @Sendable (Date) -> LocalDate) async throws(StoreError) -> LedgerTrail

    // MARK: The digest's reads (from digest, issue 14)

    /// Notices sent per task, oldest first (digests left out).
    func sentNotices() async throws(StoreError) -> [TaskID: [DubanDatabase.SentNotice]]
    /// The weeks whose digest kept a snapshot, before `week`, oldest first.
    func digestSnapshotWeeks(before week: ISOWeek) async throws(StoreError) -> [ISOWeek]
    /// Every meta value whose key starts with `prefix`, by key.
    func metaValues(prefix: String) async throws(StoreError) -> [String: String]
    /// `body` applied to each digest snapshot kept before `week` (only those of `only`), oldest first.
    func digestHistory<T: Sendable>(before week: ISOWeek, only: Set<ISOWeek>?,
                                    _ body: @escaping @Sendable (ISOWeek, Date, LedgerSnapshot) throws -> T) async throws(StoreError) -> [T]
    /// The ledger as the digest of `week` saw it, and when.
    func digestSnapshot(of week: ISOWeek) async throws(StoreError) -> (snapshot: LedgerSnapshot, takenAt: Date)?
    /// The subject of a queued message, if it is in the outbox.
    func outboxSubject(messageID: String) async throws(StoreError) -> String?

    // MARK: 延期 (from ext, issue 13; migration `v4-ext`)

    /// Records this read's pending extension requests and due dates and
    /// returns the planner's facts; a changed due date is kept with its
    /// approver (nil: nobody approved it, a 台账异常).
    func observeExtensions(_ snapshot: LedgerSnapshot, dueDates: [TaskID: LocalDate], today: LocalDate) async throws(StoreError) -> Planner.ExtensionFacts
    /// The same facts without recording anything (`preview`, the digest).
    func extensionFacts(_ snapshot: LedgerSnapshot, today: LocalDate) async throws(StoreError) -> Planner.ExtensionFacts
    /// Deadline changes seen on `since` or later, oldest first.
    func deadlineChanges(seenSince since: LocalDate) async throws(StoreError) -> [Digest.DeadlineChange]
    /// Tasks whose due date differs from the one last read without an
    /// approved extension giving it (`check`). Reads only.
    func unapprovedDueDateChanges(_ snapshot: LedgerSnapshot, dueDates: [TaskID: LocalDate])
        async throws(StoreError) -> [(task: RectificationTask, from: LocalDate, to: LocalDate)]

    // MARK: The loop after 完成 (from loop, issue 12; migration `v4-loop`)

    /// Records this read's statuses and deadlines where they changed; the planner's facts.
    func observeLoop(_ snapshot: LedgerSnapshot, dueDates: [TaskID: LocalDate], today: LocalDate) async throws(StoreError) -> Planner.LoopFacts
    /// The same without recording anything (`preview`, the digest).
    func loopFacts(_ snapshot: LedgerSnapshot, dueDates: [TaskID: LocalDate], today: LocalDate) async throws(StoreError) -> Planner.LoopFacts
    /// Each task's deadlines as Duban saw them, oldest first (a 约谈 dossier).
    func deadlineHistory(for tasks: [TaskID]) async throws(StoreError) -> [TaskID: [DubanDatabase.DeadlineSighting]]
    /// Notices about these tasks that went out, oldest first, with their addressees.
    func sentNotices(for tasks: [TaskID]) async throws(StoreError) -> [TaskID: [DubanDatabase.AddressedNotice]]
    /// How many notices of `kind` went out per task.
    func sentCounts(of kind: NotificationKind) async throws(StoreError) -> [TaskID: Int]

    // MARK: The web console, /metrics, the metrics textfile and `export` (reads only)

    /// What the console's planner and figures need, read in one transaction.
    func consoleFacts() async throws -> DubanDatabase.ConsoleFacts
    /// Every message: failed first, then pending (oldest slot first), then the `sentLimit` most recently sent.
    func consoleMessages(sentLimit: Int) async throws -> [DubanDatabase.ConsoleMessage]
    /// The log, newest first; with `task`, only that task's notices (oldest first).
    func consoleNotices(task: TaskID?, limit: Int) async throws -> [DubanDatabase.ConsoleNotice]
    /// Every stored snapshot, oldest first.
    func consoleSnapshots() async throws -> [DubanDatabase.ConsoleSnapshot]
    /// Log entries matching `query`, oldest first, with their messages (`duban export`).
    func notices(_ query: DubanDatabase.NoticeQuery) async throws -> [DubanDatabase.LoggedNotice]

    // MARK: The outbox

    /// Claims up to `limit` due messages above id `after` for this process.
    func claimDue(now: Date, after: Int64, limit: Int) async throws(StoreError) -> [OutboxEntry]
    func releaseClaims() async throws(StoreError)
    func nextRetry() async throws(StoreError) -> Date?
    func deliverable(now: Date) async throws(StoreError) -> [OutboxEntry]
    func markSent(messageID: String, at now: Date, refused: [String: String]) async throws(StoreError)
    func markPartlyDelivered(messageID: String, at now: Date, waiting: [String], refused: [String: String],
                             error: String, retryAt: Date) async throws(StoreError)
    func recordFailure(messageID: String, error: String, retryAt: Date?) async throws(StoreError)
    func outboxCounts() async throws(StoreError) -> OutboxCounts
    func outbox(state: OutboxState?, limit: Int?, newestFirst: Bool) async throws(StoreError) -> [OutboxEntry]
    func refusedRecipients(limit: Int?) async throws(StoreError) -> [RefusedRecipient]
    func refusedRecipientCount() async throws(StoreError) -> Int
    @discardableResult
    func rebaseRetries(now: Date, retryMaxSeconds: Int) async throws(StoreError) -> Int

    // MARK: Maintenance

    func maintenanceDue(now: Date) async throws(StoreError) -> Bool
    @discardableResult
    func maintain(now: Date, keepBodiesDays: Int) async throws(StoreError) -> Maintenance
    /// The size of the state in bytes (the file and its WAL; the schema's tables).
    func size() async throws(StoreError) -> Int64
}

extension StateStore {
    public func markSent(messageID: String, at now: Date) async throws(StoreError) {
        try await markSent(messageID: messageID, at: now, refused: [:])
    }

    public func latestDigestSnapshot() async throws(StoreError) -> (week: ISOWeek, snapshot: LedgerSnapshot)? {
        try await latestDigestSnapshot(before: nil)
    }

    public func outbox(state: OutboxState? = nil, limit: Int? = nil) async throws(StoreError) -> [OutboxEntry] {
        try await outbox(state: state, limit: limit, newestFirst: false)
    }

    public func consoleMessages() async throws -> [DubanDatabase.ConsoleMessage] {
        try await consoleMessages(sentLimit: 500)
    }

    public func consoleNotices(task: TaskID) async throws -> [DubanDatabase.ConsoleNotice] {
        try await consoleNotices(task: task, limit: 1000)
    }

    public func consoleNotices(limit: Int) async throws -> [DubanDatabase.ConsoleNotice] {
        try await consoleNotices(task: nil, limit: limit)
    }

    public func refusedRecipients() async throws(StoreError) -> [RefusedRecipient] {
        try await refusedRecipients(limit: nil)
    }

    /// Runs `maintain` when the last run is a day old; nil when not due.
    public func maintainIfDue(now: Date, keepBodiesDays: Int) async throws(StoreError) -> Maintenance? {
        guard try await maintenanceDue(now: now) else { return nil }
        return try await maintain(now: now, keepBodiesDays: keepBodiesDays)
    }
}

/// A notice recorded before, and when (sent, or queued if not yet sent).
public struct EarlierNotice: Sendable, Equatable {
    public var identity: NotificationIdentity
    public var at: Date

    public init(identity: NotificationIdentity, at: Date) {
        self.identity = identity
        self.at = at
    }
}

/// How many outbox messages are in each state.
public struct OutboxCounts: Sendable, Equatable {
    public var pending: Int
    public var sent: Int
    public var failed: Int

    public init(pending: Int, sent: Int, failed: Int) {
        self.pending = pending
        self.sent = sent
        self.failed = failed
    }
}

/// What one maintenance step did.
public struct Maintenance: Sendable, Equatable {
    /// Sent messages whose MIME body and payload were dropped.
    public var bodiesDropped: Int
    /// Digest snapshots no digest will read again.
    public var snapshotsDropped: Int

    public init(bodiesDropped: Int, snapshotsDropped: Int) {
        self.bodiesDropped = bodiesDropped
        self.snapshotsDropped = snapshotsDropped
    }
}

/// What the stores share: the meta key of the last maintenance, and the
/// payload encoding, so a payload moved between stores decodes the same.
/// Ledger snapshots are not JSON: both stores write and read them with
/// `SnapshotCodec` (which still reads the JSON of earlier releases).
public enum StateFormat {
    public static let lastMaintenanceKey = "last_maintenance"

    public static func encode<T: Encodable>(_ value: T) throws -> Data { try JSONEncoder.duban.encode(value) }
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T { try JSONDecoder.duban.decode(type, from: data) }
}
