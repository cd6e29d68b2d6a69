public import Foundation
import GRDB

extension DubanDatabase {
    public typealias Maintenance = DubanStore.Maintenance

    /// The meta key holding when maintenance last ran.
    static let lastMaintenanceKey = StateFormat.lastMaintenanceKey

    /// Whether the last maintenance is a day old (or never ran).
    public func maintenanceDue(now: Date) async throws(StoreError) -> Bool {
        guard let last = try await meta(Self.lastMaintenanceKey), let date = ISO8601DateFormatter().date(from: last) else { return true }
        return now.timeIntervalSince(date) >= 24 * 3600 || now < date
    }

    /// Retention, once a day: every log row and every outbox row's headers
    /// (who, when, subject, state) stay for the audit trail forever; the MIME
    /// body and the payload of messages sent more than `keepBodiesDays` ago
    /// are dropped, and digest snapshots older than that go too, except the
    /// newest one (the next digest compares with it). The last good ledger
    /// is one row, replaced, never dropped. Recorded in `meta`.
    ///
    /// Snapshots an earlier release stored as JSON are not rewritten here: a
    /// rewrite decodes each one whole, which for a large ledger takes longer
    /// than the watchdog allows inside one transaction, and a kill rolls it
    /// back to be tried again at the next start. They still read (as slowly
    /// as before the upgrade); the last good one is replaced in the binary
    /// form at the first good read, and digest ones age out like any other.
    @discardableResult
    public func maintain(now: Date, keepBodiesDays: Int) async throws(StoreError) -> Maintenance {
        let cutoff = now.addingTimeInterval(-Double(keepBodiesDays) * 24 * 3600)
        let stamp = ISO8601DateFormatter().string(from: now)
        return try await write("dropping old message bodies") { db in
            try db.execute(sql: """
                UPDATE outbox SET mime = x'', payload = x'', bodyDroppedAt = ?
                WHERE state = 'sent' AND bodyDroppedAt IS NULL AND sentAt < ?
                """, arguments: [now, cutoff])
            let bodies = db.changesCount
            try db.execute(sql: """
                DELETE FROM ledgerSnapshot WHERE purpose = 'digest' AND takenAt < ?
                AND key <> (SELECT MAX(key) FROM ledgerSnapshot WHERE purpose = 'digest')
                """, arguments: [cutoff])
            let snapshots = db.changesCount
            try MetaRecord(key: Self.lastMaintenanceKey, value: stamp).save(db)
            return Maintenance(bodiesDropped: bodies, snapshotsDropped: snapshots)
        }
    }

    /// The database's size in bytes, write-ahead log included (for `status`).
    public func size() async throws(StoreError) -> Int64 {
        let pages = try await read("measuring the database") { db in
            try Int64.fetchOne(db, sql: "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()") ?? 0
        }
        let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? NSNumber)?.int64Value ?? 0
        return pages + wal
    }
}

/// The SQLite store: every requirement is implemented by the extensions above.
extension DubanDatabase: StateStore {
    public var location: String { path }
}
