public import DubanStore
public import Foundation
import PostgresNIO

// The outbox, as DubanDatabase+Delivery.swift does it in SQLite; claims are
// `FOR UPDATE SKIP LOCKED` and fenced by the lease.
extension PostgresStore {
    static let outboxColumns = """
        id, messageID, kind, level, slot, recipients, subject, sender, envelopeRecipients, mime, payload, state, attempts,
        nextAttemptAt, lastError, createdAt, sentAt, claimedBy, claimedAt, deliveredAt, bodyDroppedAt
        """

    static func outboxEntry(_ row: PostgresRandomAccessRow) throws -> OutboxEntry {
        let stateText = try row[11].decode(String.self)
        guard let state = OutboxState(rawValue: stateText) else {
            throw StoreError(.corrupt, "the outbox holds an unknown state \"\(stateText)\"")
        }
        return OutboxEntry(
            storedID: try row[0].decode(Int64.self), messageID: try row[1].decode(String.self), kind: try row[2].decode(String.self),
            level: try row[3].decode(Int?.self), slot: try row[4].decode(Date.self), recipients: try row[5].decode(String.self),
            subject: try row[6].decode(String.self), sender: try row[7].decode(String.self), envelopeRecipients: try row[8].decode(String.self),
            mime: try row[9].decode(Data.self), payload: try row[10].decode(Data.self), state: state, attempts: try row[12].decode(Int.self),
            nextAttemptAt: try row[13].decode(Date?.self), lastError: try row[14].decode(String?.self), createdAt: try row[15].decode(Date.self),
            sentAt: try row[16].decode(Date?.self), claimedBy: try row[17].decode(Int64?.self), claimedAt: try row[18].decode(Date?.self),
            deliveredAt: try row[19].decode(Date?.self), bodyDroppedAt: try row[20].decode(Date?.self))
    }

    /// Claims due rows in one statement that also checks, on the server,
    /// that this process's lease connection still holds the lock: a leader
    /// cut off a moment ago claims nothing, even before it notices.
    public func claimDue(now: Date, after: Int64, limit: Int) async throws(StoreError) -> [OutboxEntry] {
        guard holdsDeliveryLock, let holder = lease?.holderBackendPID else {
            throw StoreError(.notDeliverer, "state database \(location): this process does not hold the lease, so it must not deliver")
        }
        let pid = Self.pid
        let schema = settings.schema
        let entries = try await write("claiming messages to send") { [logger] connection in
            try await Self.rows(connection, PostgresQuery(unsafeSQL: """
                UPDATE outbox SET claimedBy = $1, claimedAt = $2 WHERE id IN (
                    SELECT id FROM outbox WHERE state = 'pending' AND id > $3 AND claimedBy IS NULL AND (nextAttemptAt IS NULL OR nextAttemptAt <= $2)
                    ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED)
                AND EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = $5 AND objsubid = 2
                            AND classid = (\(PostgresLease.lockClass))::INT::OID AND objid = hashtext($6)::OID)
                RETURNING \(Self.outboxColumns)
                """, binds: {
                    var binds = PostgresBindings()
                    binds.append(pid)
                    binds.append(now)
                    binds.append(after)
                    binds.append(limit)
                    binds.append(holder)
                    binds.append(schema)
                    return binds
                }()), logger: logger).map(Self.outboxEntry)
        }
        return entries.sorted { ($0.id ?? 0) < ($1.id ?? 0) }
    }

    public func releaseClaims() async throws(StoreError) {
        try await write("releasing claims") { [logger] connection in
            try await Self.execute(connection, "UPDATE outbox SET claimedBy = NULL, claimedAt = NULL WHERE claimedBy IS NOT NULL", logger: logger)
        }
    }

    public func nextRetry() async throws(StoreError) -> Date? {
        try await read("reading the retry schedule") { [logger] connection in
            try await Self.rows(connection, "SELECT MIN(nextAttemptAt) FROM outbox WHERE state = 'pending' AND nextAttemptAt IS NOT NULL",
                                logger: logger).first.flatMap { try $0[0].decode(Date?.self) }
        }
    }

    public func deliverable(now: Date) async throws(StoreError) -> [OutboxEntry] {
        try await read("reading the outbox") { [logger] connection in
            try await Self.rows(connection, PostgresQuery(unsafeSQL: """
                SELECT \(Self.outboxColumns) FROM outbox WHERE state = 'pending' AND (nextAttemptAt IS NULL OR nextAttemptAt <= $1) ORDER BY id
                """, binds: { var b = PostgresBindings(); b.append(now); return b }()), logger: logger).map(Self.outboxEntry)
        }
    }

    public func markSent(messageID: String, at now: Date, refused: [String: String]) async throws(StoreError) {
        try await write("recording \(messageID) as sent") { [logger] connection in
            try await Self.execute(connection, """
                UPDATE outbox SET state = 'sent', sentAt = \(now), deliveredAt = COALESCE(deliveredAt, \(now)), attempts = attempts + 1,
                    lastError = NULL, nextAttemptAt = NULL, claimedBy = NULL, claimedAt = NULL WHERE messageID = \(messageID)
                """, logger: logger)
            try await Self.recordSent(connection, messageID: messageID, at: now, refused: refused, logger: logger)
        }
    }

    public func markPartlyDelivered(messageID: String, at now: Date, waiting: [String], refused: [String: String],
                                    error: String, retryAt: Date) async throws(StoreError) {
        let remaining = String(decoding: (try? StateFormat.encode(waiting.sorted())) ?? Data("[]".utf8), as: UTF8.self)
        try await write("recording \(messageID) as partly delivered") { [logger] connection in
            try await Self.execute(connection, """
                UPDATE outbox SET envelopeRecipients = \(remaining), deliveredAt = COALESCE(deliveredAt, \(now)), attempts = attempts + 1,
                    lastError = \(error), nextAttemptAt = \(retryAt), claimedBy = NULL, claimedAt = NULL WHERE messageID = \(messageID)
                """, logger: logger)
            try await Self.recordSent(connection, messageID: messageID, at: now, refused: refused, logger: logger)
        }
    }

    private static func recordSent(_ connection: PostgresConnection, messageID: String, at now: Date, refused: [String: String],
                                   logger: Logger) async throws {
        try await execute(connection, "UPDATE notificationLog SET state = 'sent', sentAt = COALESCE(sentAt, \(now)) WHERE messageID = \(messageID)",
                          logger: logger)
        for (address, reply) in refused.sorted(by: { $0.key < $1.key }) {
            try await execute(connection, """
                INSERT INTO refusedRecipient (messageID, address, reply, refusedAt) VALUES (\(messageID), \(address), \(reply), \(now))
                ON CONFLICT (messageID, address) DO UPDATE SET reply = excluded.reply, refusedAt = excluded.refusedAt
                """, logger: logger)
        }
    }

    public func recordFailure(messageID: String, error: String, retryAt: Date?) async throws(StoreError) {
        let state = retryAt == nil ? OutboxState.failed.rawValue : OutboxState.pending.rawValue
        try await write("recording a failed attempt of \(messageID)") { [logger] connection in
            try await Self.execute(connection, """
                UPDATE outbox SET attempts = attempts + 1, lastError = \(error), nextAttemptAt = \(retryAt), state = \(state),
                    claimedBy = NULL, claimedAt = NULL WHERE messageID = \(messageID)
                """, logger: logger)
        }
    }

    public func outboxCounts() async throws(StoreError) -> OutboxCounts {
        try await read("counting the outbox") { [logger] connection in
            var counts = OutboxCounts(pending: 0, sent: 0, failed: 0)
            for try await (state, count) in try await connection.query("SELECT state, COUNT(*) FROM outbox GROUP BY state", logger: logger)
                .decode((String, Int).self) {
                switch OutboxState(rawValue: state) {
                case .pending: counts.pending = count
                case .sent: counts.sent = count
                case .failed: counts.failed = count
                case nil: throw StoreError(.corrupt, "the outbox holds an unknown state \"\(state)\"")
                }
            }
            return counts
        }
    }

    public func outbox(state: OutboxState?, limit: Int?, newestFirst: Bool) async throws(StoreError) -> [OutboxEntry] {
        try await read("reading the outbox") { [logger] connection in
            var binds = PostgresBindings()
            binds.append(state?.rawValue)
            binds.append(limit)
            return try await Self.rows(connection, PostgresQuery(unsafeSQL: """
                SELECT \(Self.outboxColumns) FROM outbox WHERE ($1::TEXT IS NULL OR state = $1) ORDER BY id \(newestFirst ? "DESC" : "ASC") LIMIT $2
                """, binds: binds), logger: logger).map(Self.outboxEntry)
        }
    }

    public func refusedRecipients(limit: Int?) async throws(StoreError) -> [RefusedRecipient] {
        try await read("reading refused recipients") { [logger] connection in
            try await Self.rows(connection, """
                SELECT id, messageID, address, reply, refusedAt FROM refusedRecipient ORDER BY refusedAt DESC, id DESC LIMIT \(limit)
                """, logger: logger).map { row in
                RefusedRecipient(storedID: try row[0].decode(Int64.self), messageID: try row[1].decode(String.self), address: try row[2].decode(String.self),
                                 reply: try row[3].decode(String.self), refusedAt: try row[4].decode(Date.self))
            }
        }
    }

    public func refusedRecipientCount() async throws(StoreError) -> Int {
        try await read("counting refused recipients") { [logger] connection in
            try await Self.rows(connection, "SELECT COUNT(*) FROM refusedRecipient", logger: logger).first.map { try $0[0].decode(Int.self) } ?? 0
        }
    }

    @discardableResult
    public func rebaseRetries(now: Date, retryMaxSeconds: Int) async throws(StoreError) -> Int {
        let latest = now.addingTimeInterval(TimeInterval(retryMaxSeconds))
        return try await write("pulling in retries a clock step pushed out") { [logger] connection in
            try await Self.rows(connection, """
                UPDATE outbox SET nextAttemptAt = \(now) WHERE state = 'pending' AND nextAttemptAt > \(latest) RETURNING id
                """, logger: logger).count
        }
    }

    // MARK: - Maintenance

    public func maintenanceDue(now: Date) async throws(StoreError) -> Bool {
        guard let last = try await meta(StateFormat.lastMaintenanceKey), let date = ISO8601DateFormatter().date(from: last) else { return true }
        return now.timeIntervalSince(date) >= 24 * 3600 || now < date
    }

    @discardableResult
    public func maintain(now: Date, keepBodiesDays: Int) async throws(StoreError) -> Maintenance {
        let cutoff = now.addingTimeInterval(-Double(keepBodiesDays) * 24 * 3600)
        let stamp = ISO8601DateFormatter().string(from: now)
        return try await write("dropping old message bodies") { [logger] connection in
            let bodies = try await Self.rows(connection, """
                UPDATE outbox SET mime = ''::BYTEA, payload = ''::BYTEA, bodyDroppedAt = \(now)
                WHERE state = 'sent' AND bodyDroppedAt IS NULL AND sentAt < \(cutoff) RETURNING id
                """, logger: logger).count
            let snapshots = try await Self.rows(connection, """
                DELETE FROM ledgerSnapshot WHERE purpose = 'digest' AND takenAt < \(cutoff)
                AND key <> (SELECT key FROM ledgerSnapshot WHERE purpose = 'digest' ORDER BY key COLLATE "C" DESC LIMIT 1) RETURNING id
                """, logger: logger).count
            try await Self.execute(connection, """
                INSERT INTO meta (key, value) VALUES (\(StateFormat.lastMaintenanceKey), \(stamp)) ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """, logger: logger)
            return Maintenance(bodiesDropped: bodies, snapshotsDropped: snapshots)
        }
    }
}
