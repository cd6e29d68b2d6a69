public import DubanCore
public import DubanStore
public import Foundation
import PostgresNIO

// Ledger snapshots, as in DubanDatabase+Log.swift.
extension PostgresStore {
    @discardableResult
    public func saveSnapshot(_ snapshot: LedgerSnapshot, for purpose: SnapshotPurpose, at now: Date) async throws(StoreError) -> Bool {
        let (kind, key) = purpose.columns
        return try await write("keeping a ledger snapshot") { [logger] connection in
            let payload = SnapshotCodec.encode(snapshot)
            // The first is the record: an existing one is kept.
            let rows = try await Self.rows(connection, """
                INSERT INTO ledgerSnapshot (purpose, key, takenAt, payload) VALUES (\(kind), \(key), \(now), \(payload))
                ON CONFLICT (purpose, key) DO NOTHING RETURNING id
                """, logger: logger)
            return !rows.isEmpty
        }
    }

    public func replaceSnapshot(_ snapshot: LedgerSnapshot, for purpose: SnapshotPurpose, at now: Date) async throws(StoreError) {
        let (kind, key) = purpose.columns
        try await write("keeping the last good ledger") { [logger] connection in
            let payload = SnapshotCodec.encode(snapshot)
            try await Self.execute(connection, """
                INSERT INTO ledgerSnapshot (purpose, key, takenAt, payload) VALUES (\(kind), \(key), \(now), \(payload))
                ON CONFLICT (purpose, key) DO UPDATE SET takenAt = excluded.takenAt, payload = excluded.payload
                """, logger: logger)
        }
    }

    public func lastGoodSnapshot() async throws(StoreError) -> LedgerSnapshot? {
        let kind = SnapshotPurpose.lastGood.columns.purpose
        return try await read("reading the last good ledger") { [logger, location] connection in
            try await Self.rows(connection, "SELECT payload FROM ledgerSnapshot WHERE purpose = \(kind) LIMIT 1", logger: logger)
                .first.map { row in try SnapshotCodec.decode(try row[0].decode(Data.self), in: location, name: "the last good ledger") }
        }
    }

    public func ledgerTrail(upTo now: Date, today: LocalDate, day: @escaping @Sendable (Date) -> LocalDate)
        async throws(StoreError) -> LedgerTrail {
        try await read("reading the stored ledger snapshots") { [logger, location] connection in
            var reads = StoredReads(upTo: today)
            // Streamed row by row: never all snapshots decoded at once.
            let rows = try await connection.query("SELECT takenAt, payload FROM ledgerSnapshot WHERE takenAt <= \(now) ORDER BY takenAt, id",
                                                  logger: logger)
            for try await (takenAt, payload) in rows.decode((Date, Data).self) {
                reads.add(day: day(takenAt), payload) { payload throws(StoreError) in try SnapshotCodec.decode(payload, in: location) }
            }
            return reads.trail
        }
    }

    public func latestDigestSnapshot(before week: ISOWeek?) async throws(StoreError) -> (week: ISOWeek, snapshot: LedgerSnapshot)? {
        let kind = "digest"
        let found = try await read("reading the previous digest's snapshot") { [logger] connection -> (String, Data)? in
            // Keys are YYYY-Www: they sort as weeks do. COLLATE "C": byte order, as SQLite compares.
            let rows = try await Self.rows(connection, """
                SELECT key, payload FROM ledgerSnapshot WHERE purpose = \(kind) AND (\(week?.description)::TEXT IS NULL OR key COLLATE "C" < \(week?.description))
                ORDER BY key COLLATE "C" DESC
                """, logger: logger)
            for row in rows {
                let key = try row[0].decode(String.self)
                if ISOWeek(key) != nil { return (key, try row[1].decode(Data.self)) }
            }
            return nil
        }
        guard let found, let week = ISOWeek(found.0) else { return nil }
        let (key, payload) = found
        return (week, try SnapshotCodec.decode(payload, in: location, name: "the digest snapshot of \(key)"))
    }
}
