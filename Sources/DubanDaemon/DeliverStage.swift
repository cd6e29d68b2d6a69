public import DubanConfig
public import DubanMail
public import DubanStore
public import Foundation

/// The last stage: delivers what the outbox holds, at least once, never
/// losing a message. The outbox entry is marked sent only after the server
/// accepted it; a crash in between may resend that one message (recognisable
/// by its Message-ID), never anything else.
///
/// Only the holder of the delivery lock delivers, and each batch is claimed
/// before it goes to the transport. Temporary failures are retried with
/// exponential backoff up to a cap; recipients refused for now (4xx) while
/// others accepted get the same message again, alone, on the same schedule;
/// permanent failures (5xx) and messages still failing after
/// `give_up_after_hours` are marked failed (or, for recipients, recorded as
/// refused) — kept and reported, never deleted.
public struct DeliverStage: Sendable {
    public var transport: any MailTransport
    public var delivery: Configuration.Delivery
    /// How long a failed record ("sent") is retried while the SMTP session
    /// waits, when the failure is transient (another process holds the
    /// database).
    public var recordPatience: Duration = .seconds(30)
    /// Called after each result is recorded: progress, for the daemon's
    /// watchdog. A long catch-up batch to a slow server is progress; a pass
    /// stuck on one message is not, and systemd restarts the service.
    public var onProgress: @Sendable () -> Void = {}

    public init(transport: any MailTransport, delivery: Configuration.Delivery) {
        self.transport = transport
        self.delivery = delivery
    }

    /// What became of one message in this pass.
    public enum Outcome: Sendable, Equatable {
        /// Accepted by the server. `refused`: recipients refused for good
        /// (address → reply) while the others accepted.
        case delivered(refused: [String: String])
        /// Tried again at `next`. `waiting`: when the others already have
        /// it, the recipients refused for now that the retry goes to (empty
        /// when nobody got it yet); `refused`: those refused for good.
        case retrying(next: Date, error: String, waiting: [String], refused: [String: String])
        /// Given up on: nobody received it.
        case failedForGood(error: String)
    }

    public struct Delivery: Sendable, Equatable {
        public var messageID: String
        public var outcome: Outcome
    }

    public struct Report: Sendable {
        /// Every message attempted, in the order the results came.
        public var deliveries: [Delivery] = []
        /// When the next retry is due.
        public var nextRetry: Date?

        public var sent: [String] {
            deliveries.compactMap { if case .delivered = $0.outcome { $0.messageID } else { nil } }
        }

        /// Message id → error, for messages that will be tried again.
        public var retrying: [String: String] {
            Dictionary(deliveries.compactMap { if case .retrying(_, let error, _, _) = $0.outcome { ($0.messageID, error) } else { nil } },
                       uniquingKeysWith: { _, last in last })
        }

        /// Message id → error, for messages given up on.
        public var failed: [String: String] {
            Dictionary(deliveries.compactMap { if case .failedForGood(let error) = $0.outcome { ($0.messageID, error) } else { nil } },
                       uniquingKeysWith: { _, last in last })
        }

        /// Message id → recipients refused for good while others accepted.
        public var partlyRejected: [String: [String: String]] {
            var result: [String: [String: String]] = [:]
            for delivery in deliveries {
                switch delivery.outcome {
                case .delivered(let refused) where !refused.isEmpty: result[delivery.messageID] = refused
                case .retrying(_, _, _, let refused) where !refused.isEmpty: result[delivery.messageID] = refused
                default: break
                }
            }
            return result
        }
    }

    /// Delivers everything due at `now`, batch by batch: each message due is
    /// read once per pass (paging by id). Throws when a result cannot be
    /// recorded: the session stops there and no further batch starts.
    public func run(database: any StateStore, now: Date) async throws -> Report {
        var report = Report()
        // We hold the lock: any claim left is a leftover (a dead holder's, or
        // a batch of ours that stopped on a failed record).
        try await database.releaseClaims()
        var after: Int64 = 0
        while true {
            let batch = try await database.claimDue(now: now, after: after, limit: delivery.batchSize)
            guard let last = batch.last?.id else { break }
            after = last
            try await send(batch, database: database, now: now, into: &report)
        }
        report.nextRetry = try await database.nextRetry()
        return report
    }

    /// One batch over one session. Each result is recorded the moment it is
    /// known and before the transport sends the next message, so a crash
    /// resends at most the message in flight. When a result cannot be
    /// recorded, the transport is told to stop: nothing after the message in
    /// flight is sent, and the batch ends with that error.
    private func send(_ batch: [OutboxEntry], database: any StateStore, now: Date, into report: inout Report) async throws {
        let envelopes = batch.map {
            Envelope(messageID: $0.messageID, from: $0.sender, recipients: $0.recipientList, data: [UInt8]($0.mime))
        }
        var failure: (any Error)?
        await deliver(envelopes) { index, result in
            do {
                let outcome = try await recordPatiently(result, for: batch[index], database: database, now: now)
                report.deliveries.append(Delivery(messageID: batch[index].messageID, outcome: outcome))
                onProgress()
                // Fencing: a leader whose lease lapsed sends nothing more.
                guard database.holdsDeliveryLock else {
                    failure = StoreError(.notDeliverer, "state database \(database.location): the lease was lost; stopped delivering (the new leader sends the rest)")
                    return .stop
                }
                return .proceed
            } catch {
                failure = error
                return .stop
            }
        }
        if let failure { throw failure }
    }

    /// Records a result, retrying while the database is only busy.
    private func recordPatiently(_ result: DeliveryResult, for entry: OutboxEntry, database: any StateStore, now: Date) async throws -> Outcome {
        let deadline = ContinuousClock.now + recordPatience
        var pause = Duration.milliseconds(200)
        while true {
            do {
                return try await record(result, for: entry, database: database, now: now)
            } catch let error as StoreError where error.isTransient && ContinuousClock.now < deadline {
                try? await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(5))
            }
        }
    }

    private func record(_ result: DeliveryResult, for entry: OutboxEntry, database: any StateStore, now: Date) async throws -> Outcome {
        let age = now.timeIntervalSince(entry.createdAt)
        let expired = age >= Double(delivery.giveUpAfterHours) * 3600
        let retryAt = now.addingTimeInterval(backoff(afterAttempts: entry.attempts + 1))
        switch result {
        case .delivered(let rejected):
            var refused = rejected.filter { !Self.isTemporary($0.value) }
            let waiting = rejected.filter { Self.isTemporary($0.value) }
            if waiting.isEmpty || expired {
                for (address, reply) in waiting {
                    refused[address] = "\(reply) (still refused after \(delivery.giveUpAfterHours) h; given up)"
                }
                try await database.markSent(messageID: entry.messageID, at: now, refused: refused)
                return .delivered(refused: refused)
            }
            let error = "refused for now by the server: " + waiting.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
            try await database.markPartlyDelivered(messageID: entry.messageID, at: now, waiting: Array(waiting.keys), refused: refused,
                                                   error: error, retryAt: retryAt)
            return .retrying(next: retryAt, error: error, waiting: waiting.keys.sorted(), refused: refused)
        case .failed(let error):
            if error.isTransient && !expired {
                try await database.recordFailure(messageID: entry.messageID, error: error.description, retryAt: retryAt)
                let waiting = entry.deliveredAt == nil ? [] : entry.recipientList
                return .retrying(next: retryAt, error: error.description, waiting: waiting, refused: [:])
            }
            let reason = expired && error.isTransient
                ? "\(error.description) (still failing after \(delivery.giveUpAfterHours) h; given up)"
                : error.description
            if entry.deliveredAt != nil {
                // Others already have it: it was delivered; these recipients are refused for good.
                let refused = Dictionary(entry.recipientList.map { ($0, reason) }, uniquingKeysWith: { first, _ in first })
                try await database.markSent(messageID: entry.messageID, at: now, refused: refused)
                return .delivered(refused: refused)
            }
            try await database.recordFailure(messageID: entry.messageID, error: reason, retryAt: nil)
            return .failedForGood(error: reason)
        }
    }

    /// A refusal is temporary when the server's reply starts with 4 (RFC 5321 §4.2.1).
    static func isTemporary(_ reply: String) -> Bool {
        reply.first == "4"
    }

    /// Messages without any valid recipient cannot be sent anywhere: they
    /// fail at once (permanently) instead of reaching the transport.
    private func deliver(_ envelopes: [Envelope], each: (Int, DeliveryResult) async -> BatchDecision) async {
        var sendable: [Int] = []
        for (index, envelope) in envelopes.enumerated() {
            if envelope.recipients.isEmpty {
                let failure = MailError(.configuration, "no valid recipient address", transient: false)
                if await each(index, .failed(failure)) == .stop { return }
            } else {
                sendable.append(index)
            }
        }
        await transport.deliver(sendable.map { envelopes[$0] }) { position, result in await each(sendable[position], result) }
    }

    /// initial × 2^(attempts-1), capped.
    func backoff(afterAttempts attempts: Int) -> TimeInterval {
        let exponent = min(max(attempts - 1, 0), 30)
        return min(Double(delivery.retryInitialSeconds) * pow(2, Double(exponent)), Double(delivery.retryMaxSeconds))
    }
}
