public import DubanCore
public import Foundation
public import GRDB

/// Duban's state: the notification log, the outbox, what Duban has observed
/// about tasks, and ledger snapshots. One SQLite file, one connection.
///
/// The log is what makes "exactly once" true across restarts: never delete
/// this file in production, and never let a schema change erase it (there is
/// deliberately no `eraseDatabaseOnSchemaChange`).
public final class DubanDatabase: Sendable {
    let writer: any DatabaseWriter

    /// Opens (creating if needed) and migrates the database at `url`.
    public static func open(at url: URL) throws(StoreError) -> DubanDatabase {
        do {
            var configuration = GRDB.Configuration()
            configuration.busyMode = .timeout(10)
            configuration.foreignKeysEnabled = true
            let queue = try DatabaseQueue(path: url.path, configuration: configuration)
            return try DubanDatabase(queue)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.cannotOpen, "cannot open the state database \(url.path): \(error)")
        }
    }

    /// Opens an existing database without writing to it (for `preview` and
    /// `status`). Nil when there is no database yet: nothing has been logged.
    public static func openReadOnly(at url: URL) throws(StoreError) -> DubanDatabase? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            var configuration = GRDB.Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(10)
            let queue = try DatabaseQueue(path: url.path, configuration: configuration)
            let database = DubanDatabase(unmigrated: queue)
            guard try queue.read({ db in try Self.migrator.hasCompletedMigrations(db) }) else {
                throw StoreError(.cannotOpen, "the state database \(url.path) was written by a newer or older Duban; run `duban run` once to migrate it")
            }
            return database
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.cannotOpen, "cannot open the state database \(url.path): \(error)")
        }
    }

    /// A private in-memory database with the production schema (tests, `simulate`).
    public static func inMemory() throws -> DubanDatabase {
        try DubanDatabase(DatabaseQueue())
    }

    public init(_ writer: any DatabaseWriter) throws {
        self.writer = writer
        try Self.migrator.migrate(writer)
    }

    private init(unmigrated writer: any DatabaseWriter) {
        self.writer = writer
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
        return migrator
    }
}

/// A state-database failure. `isTransient` says whether retrying can help
/// (a locked database) or not (a corrupt file, a constraint broken by a bug).
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable {
        case cannotOpen
        case query
        case corrupt
    }

    public var code: Code
    public var message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    public var isTransient: Bool { code == .query }
}
