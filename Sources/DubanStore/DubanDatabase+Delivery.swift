public import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension DubanDatabase {
    /// Claims up to `limit` messages due at `now` whose id is above `after`,
    /// in queue order, for this process; one transaction, so two processes
    /// can never claim the same row. Paging by id (`after`) means the
    /// delivery loop reads each due message once per pass, through the
    /// `outbox_pending` index, instead of re-reading them all per batch.
    ///
    /// Only the holder of the delivery lock may claim: it is what guarantees
    /// that a claim left behind belongs to a dead process.
    public func claimDue(now: Date, after: Int64, limit: Int) async throws(StoreError) -> [OutboxEntry] {
        guard holdsDeliveryLock else {
            throw StoreError(.notDeliverer, "state database \(path): this process does not hold the delivery lock, so it must not deliver")
        }
        let pid = Int64(getpid())
        return try await write("claiming messages to send") { db in
            let due = try OutboxEntry
                .filter(OutboxEntry.Columns.state == OutboxState.pending)
                .filter(OutboxEntry.Columns.id > after)
                .filter(OutboxEntry.Columns.claimedBy == nil)
                .filter(OutboxEntry.Columns.nextAttemptAt == nil || OutboxEntry.Columns.nextAttemptAt <= now)
                .order(OutboxEntry.Columns.id)
                .limit(limit)
                .fetchAll(db)
            var claimed: [OutboxEntry] = []
            for var entry in due {
                entry.claimedBy = pid
                entry.claimedAt = now
                try entry.update(db, columns: ["claimedBy", "claimedAt"])
                claimed.append(entry)
            }
            return claimed
        }
    }

    /// Releases every claim (the holder of the lock calls it: any claim is
    /// then a leftover, such as a message whose record failed).
    public func releaseClaims() async throws(StoreError) {
        try await write("releasing claims") { db in
            try db.execute(sql: "UPDATE outbox SET claimedBy = NULL, claimedAt = NULL WHERE claimedBy IS NOT NULL")
        }
    }

    /// The earliest time a pending message is due for another attempt.
    public func nextRetry() async throws(StoreError) -> Date? {
        try await read("reading the retry schedule") { db in
            try Date.fetchOne(db, sql: "SELECT MIN(nextAttemptAt) FROM outbox WHERE state = 'pending' AND nextAttemptAt IS NOT NULL")
        }
    }

    /// Messages waiting for delivery whose next attempt is due, in queue order.
    public func deliverable(now: Date) async throws(StoreError) -> [OutboxEntry] {
        try await read("reading the outbox") { db in
            try OutboxEntry
                .filter(OutboxEntry.Columns.state == OutboxState.pending)
                .filter(OutboxEntry.Columns.nextAttemptAt == nil || OutboxEntry.Columns.nextAttemptAt <= now)
                .order(OutboxEntry.Columns.id)
                .fetchAll(db)
        }
    }

    /// Marks a message delivered (after the server's 250) and its log entries
    /// sent, together, at the pass's `now`. `refused` are recipients refused
    /// for good (address → the server's reply), recorded one row each.
    public func markSent(messageID: String, at now: Date, refused: [String: String]) async throws(StoreError) {
        try await write("recording \(messageID) as sent") { db in
            try db.execute(sql: """
                UPDATE outbox SET state = 'sent', sentAt = ?, deliveredAt = COALESCE(deliveredAt, ?), attempts = attempts + 1,
                    lastError = NULL, nextAttemptAt = NULL, claimedBy = NULL, claimedAt = NULL WHERE messageID = ?
                """, arguments: [now, now, messageID])
            try Self.recordSent(db, messageID: messageID, at: now, refused: refused)
        }
    }

    /// Records a message the server accepted for some recipients and refused
    /// for now (4xx) for `waiting`: it stays pending, addressed to those only
    /// (same bytes, same Message-ID), and is tried again at `retryAt`. Its
    /// log entries count as sent from now.
    public func markPartlyDelivered(messageID: String, at now: Date, waiting: [String], refused: [String: String],
                                    error: String, retryAt: Date) async throws(StoreError) {
        let remaining = String(decoding: (try? JSONEncoder.duban.encode(waiting.sorted())) ?? Data("[]".utf8), as: UTF8.self)
        try await write("recording \(messageID) as partly delivered") { db in
            try db.execute(sql: """
                UPDATE outbox SET envelopeRecipients = ?, deliveredAt = COALESCE(deliveredAt, ?), attempts = attempts + 1,
                    lastError = ?, nextAttemptAt = ?, claimedBy = NULL, claimedAt = NULL WHERE messageID = ?
                """, arguments: [remaining, now, error, retryAt, messageID])
            try Self.recordSent(db, messageID: messageID, at: now, refused: refused)
        }
    }

    private static func recordSent(_ db: Database, messageID: String, at now: Date, refused: [String: String]) throws {
        try db.execute(sql: "UPDATE notificationLog SET state = 'sent', sentAt = COALESCE(sentAt, ?) WHERE messageID = ?",
                       arguments: [now, messageID])
        for (address, reply) in refused.sorted(by: { $0.key < $1.key }) {
            try db.execute(sql: """
                INSERT INTO refusedRecipient (messageID, address, reply, refusedAt) VALUES (?, ?, ?, ?)
                ON CONFLICT (messageID, address) DO UPDATE SET reply = excluded.reply, refusedAt = excluded.refusedAt
                """, arguments: [messageID, address, reply, now])
        }
    }

    /// Records a failed attempt: retried at `retryAt`, or given up (kept as
    /// `failed`, never deleted) when `retryAt` is nil.
    public func recordFailure(messageID: String, error: String, retryAt: Date?) async throws(StoreError) {
        try await write("recording a failed attempt of \(messageID)") { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET attempts = attempts + 1, lastError = ?, nextAttemptAt = ?, state = ?,
                        claimedBy = NULL, claimedAt = NULL WHERE messageID = ?
                    """,
                arguments: [error, retryAt, retryAt == nil ? OutboxState.failed : OutboxState.pending, messageID])
        }
    }

    public typealias OutboxCounts = DubanStore.OutboxCounts

    public func outboxCounts() async throws(StoreError) -> OutboxCounts {
        try await read("counting the outbox") { db in
            var counts = OutboxCounts(pending: 0, sent: 0, failed: 0)
            let rows = try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM outbox GROUP BY state")
            for row in rows {
                switch row["state"] as OutboxState {
                case .pending: counts.pending = row["n"]
                case .sent: counts.sent = row["n"]
                case .failed: counts.failed = row["n"]
                }
            }
            return counts
        }
    }

    /// Outbox entries in queue order (or newest first), optionally of one state.
    public func outbox(state: OutboxState?, limit: Int?, newestFirst: Bool) async throws(StoreError) -> [OutboxEntry] {
        try await read("reading the outbox") { db in
            var request = OutboxEntry.all()
            if let state { request = request.filter(OutboxEntry.Columns.state == state) }
            request = newestFirst ? request.order(OutboxEntry.Columns.id.desc) : request.order(OutboxEntry.Columns.id)
            if let limit { request = request.limit(limit) }
            return try request.fetchAll(db)
        }
    }

    /// Recipients refused for good, newest first.
    public func refusedRecipients(limit: Int?) async throws(StoreError) -> [RefusedRecipient] {
        try await read("reading refused recipients") { db in
            var request = RefusedRecipient.order(RefusedRecipient.Columns.refusedAt.desc, Column("id").desc)
            if let limit { request = request.limit(limit) }
            return try request.fetchAll(db)
        }
    }

    /// How many recipients were refused for good (the digest's data-quality line).
    public func refusedRecipientCount() async throws(StoreError) -> Int {
        try await read("counting refused recipients") { db in try RefusedRecipient.fetchCount(db) }
    }
}
