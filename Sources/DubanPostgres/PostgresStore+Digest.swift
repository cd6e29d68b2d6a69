public import DubanCore
public import DubanStore
public import Foundation
import PostgresNIO

// What the weekly digest reads, as DubanDatabase+Digest.swift does it in SQLite.
extension PostgresStore {
    public func sentNotices() async throws(StoreError) -> [TaskID: [DubanDatabase.SentNotice]] {
        try await read("reading the notices sent") { [logger] connection in
            var result: [TaskID: [DubanDatabase.SentNotice]] = [:]
            let rows = try await connection.query("""
                SELECT taskID, kind, step, sentAt FROM notificationLog
                WHERE state = 'sent' AND kind <> 'digest' AND sentAt IS NOT NULL ORDER BY sentAt, key
                """, logger: logger)
            for try await (task, kind, step, at) in rows.decode((String, String, Int, Date).self) {
                // A kind this build does not know (a newer Duban wrote it) is still a notice sent.
                result[TaskID(task), default: []].append(.init(storedKind: NotificationKind(rawValue: kind) ?? .reminder, step: step, at: at))
            }
            return result
        }
    }

    public func digestSnapshotWeeks(before week: ISOWeek) async throws(StoreError) -> [ISOWeek] {
        try await read("listing earlier digests' snapshots") { [logger] connection in
            try await Self.rows(connection, """
                SELECT key FROM ledgerSnapshot WHERE purpose = 'digest' AND key COLLATE "C" < \(week.description) ORDER BY key COLLATE "C"
                """, logger: logger).compactMap { ISOWeek(try $0[0].decode(String.self)) }
        }
    }

    public func metaValues(prefix: String) async throws(StoreError) -> [String: String] {
        try await read("reading \(prefix)…") { [logger] connection in
            var result: [String: String] = [:]
            for try await (key, value) in try await connection.query("""
                SELECT key, value FROM meta WHERE left(key, \(prefix.count)::INT) = \(prefix)
                """, logger: logger).decode((String, String).self) {
                result[key] = value
            }
            return result
        }
    }

    public func digestHistory<T: Sendable>(before week: ISOWeek, only: Set<ISOWeek>?,
                                           _ body: @escaping @Sendable (ISOWeek, Date, LedgerSnapshot) throws -> T) async throws(StoreError) -> [T] {
        try await read("reading earlier digests' snapshots") { [logger, location] connection in
            var result: [T] = []
            let keys = try await Self.rows(connection, """
                SELECT id, key, takenAt FROM ledgerSnapshot WHERE purpose = 'digest' AND key COLLATE "C" < \(week.description) ORDER BY key COLLATE "C"
                """, logger: logger)
            // One payload at a time: a large ledger's snapshots are decoded one by one and dropped.
            for key in keys {
                guard let found = ISOWeek(try key[1].decode(String.self)), only?.contains(found) ?? true else { continue }
                let id = try key[0].decode(Int64.self)
                guard let payload = try await Self.rows(connection, "SELECT payload FROM ledgerSnapshot WHERE id = \(id)", logger: logger)
                    .first.map({ try $0[0].decode(Data.self) }) else { continue }
                result.append(try body(found, try key[2].decode(Date.self), try SnapshotCodec.decode(payload, in: location, name: "the digest snapshot of \(found)")))
            }
            return result
        }
    }

    public func digestSnapshot(of week: ISOWeek) async throws(StoreError) -> (snapshot: LedgerSnapshot, takenAt: Date)? {
        let found = try await read("reading the digest snapshot of \(week)") { [logger] connection -> (Data, Date)? in
            try await Self.rows(connection, """
                SELECT payload, takenAt FROM ledgerSnapshot WHERE purpose = 'digest' AND key = \(week.description)
                """, logger: logger).first.map { (try $0[0].decode(Data.self), try $0[1].decode(Date.self)) }
        }
        guard let found else { return nil }
        return (try SnapshotCodec.decode(found.0, in: location, name: "the digest snapshot of \(week)"), found.1)
    }

    public func outboxSubject(messageID: String) async throws(StoreError) -> String? {
        try await read("reading the outbox") { [logger] connection in
            try await Self.rows(connection, "SELECT subject FROM outbox WHERE messageID = \(messageID)", logger: logger)
                .first.map { try $0[0].decode(String.self) }
        }
    }
}
