public import DubanCore
public import Foundation
public import GRDB

/// Duban's state: the notification log, the outbox, what Duban has observed
/// about tasks, and ledger snapshots. One SQLite file in WAL mode, shared by
/// the daemon (the one writer that delivers) and the CLI commands (readers,
/// or writers that only queue): a reader never waits for the writer.
///
/// The log is what makes "exactly once" true across restarts: never delete
/// this file in production, and never let a schema change erase it (there is
/// deliberately no `eraseDatabaseOnSchemaChange`).
///
/// Every call is `async` and runs on GRDB's own queues, so a slow disk never
/// holds a thread of the cooperative pool. Every failure is a `StoreError`.
public final class DubanDatabase: Sendable {
    let writer: any DatabaseWriter
    /// Held by the one process allowed to deliver (see `DeliveryLock`); nil
    /// for readers and for processes that only queue.
    public let deliveryLock: DeliveryLock?
    private let inMemory: Bool
    /// For in-memory databases (`simulate`): see `SnapshotMemo`.
    let snapshotMemo: SnapshotMemo?

    /// How long a statement waits for another process's lock before it fails
    /// with a transient `StoreError`.
    public static let defaultBusyTimeout: TimeInterval = 10

    /// Opens (creating if needed) and migrates the database at `url`. With
    /// `delivering`, also takes the delivery lock (without waiting) and
    /// releases the claims a dead holder left; throws `heldElsewhere` when
    /// another process holds it.
    public static func open(at url: URL, delivering: Bool = false, busyTimeout: TimeInterval = defaultBusyTimeout) throws(StoreError) -> DubanDatabase {
        let lock = delivering ? try DeliveryLock.acquire(for: url) : nil
        do {
            var configuration = GRDB.Configuration()
            configuration.busyMode = .timeout(busyTimeout)
            configuration.foreignKeysEnabled = true
            // WAL, so the CLI reads while the daemon writes (GRDB's DatabaseSharing guide).
            let pool = try DatabasePool(path: url.path, configuration: configuration)
            let database = try DubanDatabase(pool, deliveryLock: lock, inMemory: false)
            if lock != nil {
                // Whoever claimed rows before us is dead: we hold the lock now.
                try pool.write { db in try db.execute(sql: "UPDATE outbox SET claimedBy = NULL, claimedAt = NULL WHERE claimedBy IS NOT NULL") }
            }
            return database
        } catch {
            throw StoreError(error, doing: "opening", path: url.path)
        }
    }

    /// What a CLI command that would deliver gets: the right to deliver, or
    /// the pid of the process that has it (then queue only and leave the
    /// delivery to it).
    public enum Access: Sendable {
        case delivering(DubanDatabase)
        case queueOnly(DubanDatabase, holder: StoreError)
    }

    /// Opens for delivery, waiting up to `patience` for another holder to
    /// finish (a `run --once` started while another ends); after that, opens
    /// to queue only.
    public static func openToDeliver(at url: URL, patience: Duration = .seconds(3),
                                     busyTimeout: TimeInterval = defaultBusyTimeout) async throws(StoreError) -> Access {
        let deadline = ContinuousClock.now + patience
        while true {
            do {
                return .delivering(try open(at: url, delivering: true, busyTimeout: busyTimeout))
            } catch where error.code == .heldElsewhere {
                // flock has no timeout: poll, briefly.
                if ContinuousClock.now >= deadline {
                    return .queueOnly(try open(at: url, busyTimeout: busyTimeout), holder: error)
                }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Opens an existing database without writing to it (for `preview` and
    /// `status`). Nil when there is no database yet: nothing has been logged.
    public static func openReadOnly(at url: URL) throws(StoreError) -> DubanDatabase? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            var configuration = GRDB.Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(defaultBusyTimeout)
            let queue = try DatabaseQueue(path: url.path, configuration: configuration)
            guard try queue.read({ db in try Self.migrator.hasCompletedMigrations(db) }) else {
                throw StoreError(.cannotOpen, "the state database \(url.path) was written by a newer or older Duban; run `duban run --once` (or the daemon) once to migrate it")
            }
            return DubanDatabase(unmigrated: queue)
        } catch {
            throw StoreError(error, doing: "opening read-only", path: url.path)
        }
    }

    /// A private in-memory database with the production schema (tests,
    /// `simulate`). It may deliver: nobody else can see it.
    public static func inMemory() throws -> DubanDatabase {
        try DubanDatabase(DatabaseQueue(), deliveryLock: nil, inMemory: true)
    }

    init(_ writer: any DatabaseWriter, deliveryLock: DeliveryLock?, inMemory: Bool) throws {
        self.writer = writer
        self.deliveryLock = deliveryLock
        self.inMemory = inMemory
        self.snapshotMemo = inMemory ? SnapshotMemo() : nil
        try Self.migrator.migrate(writer)
    }

    init(unmigrated writer: any DatabaseWriter) {
        self.writer = writer
        self.deliveryLock = nil
        self.inMemory = false
        self.snapshotMemo = nil
    }

    /// A file database migrated only up to `migration`: how an older
    /// release left it (tests of upgrades, through `@testable import`).
    static func legacy(at url: URL, upTo migration: String) throws -> DubanDatabase {
        let pool = try DatabasePool(path: url.path)
        try migrator.migrate(pool, upTo: migration)
        return DubanDatabase(unmigrated: pool)
    }

    /// Runs raw SQL (tests that write as an older release did).
    func execute(_ sql: String) async throws {
        try await writer.write { db in try db.execute(sql: sql) }
    }

    /// The name of the first migration: the schema of the first release.
    static let firstMigration = "v1: log, outbox, observations, snapshots, meta"

    /// Whether this process may deliver from the outbox.
    public var holdsDeliveryLock: Bool { inMemory || deliveryLock != nil }

    var path: String { inMemory ? ":memory:" : writer.path }

    // MARK: - Access

    /// A read, with its failure turned into a `StoreError` naming `intent`.
    func read<T: Sendable>(_ intent: String, _ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do {
            return try await writer.read(body)
        } catch {
            throw StoreError(error, doing: intent, path: path)
        }
    }

    /// A write transaction named by `intent`.
    func write<T: Sendable>(_ intent: String, _ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do {
            return try await writer.write(body)
        } catch {
            throw StoreError(error, doing: intent, path: path)
        }
    }

    // MARK: - Preflight

    /// What `run` checks before it reports READY (and `run --once` before it
    /// plans): the file is a sound database (`PRAGMA quick_check`) and can be
    /// written. A read-only or damaged file then stops the start with one
    /// clear line instead of failing every pass.
    public func preflight(now: Date) async throws(StoreError) {
        let problems = try await read("checking the database (quick_check)") { db in
            try String.fetchAll(db, sql: "PRAGMA quick_check(5)")
        }
        guard problems == ["ok"] else {
            throw StoreError(.corrupt, "state database \(path) is damaged (PRAGMA quick_check: \(problems.joined(separator: "; "))). Stop Duban, keep a copy of the file, and restore it from a backup (see README, State database)")
        }
        let stamp = ISO8601DateFormatter().string(from: now)
        try await write("checking the database can be written") { db in
            try MetaRecord(key: "preflight", value: stamp).save(db)
        }
    }

    /// Migrations are append-only: once released, a migration never changes.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: log, outbox, observations, snapshots, meta") { db in
            try db.create(table: "outbox") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("messageID", .text).notNull().unique()
                t.column("kind", .text).notNull()
                t.column("level", .integer)
                t.column("slot", .datetime).notNull()
                t.column("recipients", .text).notNull()
                t.column("subject", .text).notNull()
                t.column("sender", .text).notNull()
                t.column("envelopeRecipients", .text).notNull()
                t.column("mime", .blob).notNull()
                t.column("payload", .blob).notNull()
                t.column("state", .text).notNull().check { ["pending", "sent", "failed"].contains($0) }
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("nextAttemptAt", .datetime)
                t.column("lastError", .text)
                t.column("createdAt", .datetime).notNull()
                t.column("sentAt", .datetime)
            }
            try db.create(index: "outbox_due", on: "outbox", columns: ["state", "nextAttemptAt", "slot"])
            try db.create(table: "notificationLog") { t in
                t.primaryKey("key", .text)
                t.column("taskID", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("step", .integer).notNull()
                t.column("about", .text).notNull()
                t.column("state", .text).notNull().check { ["queued", "sent", "skipped"].contains($0) }
                t.column("reason", .text)
                t.column("messageID", .text).references("outbox", column: "messageID")
                t.column("recordedAt", .datetime).notNull()
                t.column("sentAt", .datetime)
            }
            try db.create(index: "notificationLog_message", on: "notificationLog", columns: ["messageID"])
            try db.create(index: "notificationLog_task", on: "notificationLog", columns: ["taskID", "kind"])
            try db.create(table: "taskObservation") { t in
                t.primaryKey("taskID", .text)
                t.column("completedFirstSeen", .text).notNull()
            }
            try db.create(table: "ledgerSnapshot") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("purpose", .text).notNull()
                t.column("key", .text).notNull()
                t.column("takenAt", .datetime).notNull()
                t.column("payload", .blob).notNull()
                t.uniqueKey(["purpose", "key"])
            }
            try db.create(table: "meta") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
        }
        migrator.registerMigration("v2: claims, refused recipients, retention, paging indexes") { db in
            try db.alter(table: "outbox") { t in
                t.add(column: "claimedBy", .integer)
                t.add(column: "claimedAt", .datetime)
                t.add(column: "deliveredAt", .datetime)
                t.add(column: "bodyDroppedAt", .datetime)
            }
            try db.create(table: "refusedRecipient") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("messageID", .text).notNull().references("outbox", column: "messageID")
                t.column("address", .text).notNull()
                t.column("reply", .text).notNull()
                t.column("refusedAt", .datetime).notNull()
                t.uniqueKey(["messageID", "address"])
            }
            // The delivery loop pages through pending messages by id.
            try db.create(index: "outbox_pending", on: "outbox", columns: ["id"], condition: Column("state") == "pending")
            // `status` lists by state, newest first; retention finds old sent bodies.
            try db.create(index: "outbox_state", on: "outbox", columns: ["state", "id"])
            // "Earlier notices" of the escalated tasks only, not the whole log.
            try db.create(index: "notificationLog_task_state", on: "notificationLog", columns: ["taskID", "state"])
        }
        migrator.registerMigration("v3: deadline observations") { db in
            // When Duban first saw each task's current due date (DubanDatabase+Deadlines.swift).
            try db.create(table: "deadlineObservation") { t in
                t.primaryKey("taskID", .text)
                t.column("deadline", .text).notNull()
                t.column("since", .text).notNull()
                t.column("changed", .boolean).notNull()
            }
        }
        registerExtensionMigration(&migrator)
        registerLoopMigration(&migrator)
        migrator.registerMigration("v4-pg: daemons") { db in
            // Every daemon sharing a PostgreSQL database, as it last reported
            // itself (`status`). With SQLite one daemon runs; the table keeps
            // both stores' migrations in step (StateStoreTests).
            try db.create(table: "daemon") { t in
                t.primaryKey("instance", .text)
                t.column("host", .text).notNull()
                t.column("pid", .integer).notNull()
                t.column("role", .text).notNull().check { ["leader", "standby"].contains($0) }
                t.column("since", .datetime).notNull()
                t.column("seenAt", .datetime).notNull()
            }
        }
        return migrator
    }

    /// The names of the migrations, in order (tests compare them with PostgreSQL's).
    public static var migrationNames: [String] { migrator.migrations }
}
