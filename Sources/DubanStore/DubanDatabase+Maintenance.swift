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
    /// is one row, replaced, never dropped. Snapshots stored as JSON by an
    /// earlier release are rewritten in the binary form. Recorded in `meta`.
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
            // Snapshots an earlier release stored as JSON, kept in the binary form
            // from now on (`SnapshotCodec`): every read of them (the 台账异常 history
            // reads them all) would decode JSON again. One at a time; one that does
            // not decode is left as it is (its reads report it).
            let stored = try Int64.fetchAll(db, sql: "SELECT id FROM ledgerSnapshot WHERE substr(payload, 1, 1) = x'7b'")
            for id in stored {
                guard var record = try SnapshotRecord.fetchOne(db, key: id),
                      let snapshot = try? SnapshotCodec.decode(record.payload, in: self.path) else { continue }
                record.payload = SnapshotCodec.encode(snapshot)
                try record.update(db)
            }
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
