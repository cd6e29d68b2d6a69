public import DubanConfig
public import DubanMail
public import DubanStore
public import Foundation

/// The last stage: delivers what the outbox holds, at least once, never
/// losing a message. The outbox entry is marked sent only after the server
/// accepted it; a crash in between may resend that one message (recognisable
/// by its Message-ID), never anything else.
///
/// Temporary failures are retried with exponential backoff up to a cap;
/// permanent failures (5xx) and messages still failing after
/// `give_up_after_hours` are marked failed — kept and reported, never deleted.
public struct DeliverStage: Sendable {
    public var transport: any MailTransport
    public var delivery: Configuration.Delivery

    public init(transport: any MailTransport, delivery: Configuration.Delivery) {
        self.transport = transport
        self.delivery = delivery
    }

    public struct Report: Sendable {
        public var sent: [String] = []
        /// Message id → error, for messages that will be tried again.
        public var retrying: [String: String] = [:]
        /// Message id → error, for messages given up on.
        public var failed: [String: String] = [:]
        /// Message id → refused recipients, for messages delivered to the others.
        public var partlyRejected: [String: [String: String]] = [:]
        /// When the next retry is due.
        public var nextRetry: Date?
    }

    /// Delivers everything due now, batch by batch.
    public func run(database: DubanDatabase, now: Date) async throws -> Report {
        var report = Report()
        var attempted = Set<String>()
        while true {
            let due = try database.deliverable(now: now).filter { !attempted.contains($0.messageID) }
            guard !due.isEmpty else { break }
            let batch = Array(due.prefix(delivery.batchSize))
            attempted.formUnion(batch.map(\.messageID))
            let envelopes = batch.map {
                Envelope(messageID: $0.messageID, from: $0.sender, recipients: $0.recipientList, data: [UInt8]($0.mime))
            }
            var failure: (any Error)?
            // Each result is recorded the moment it is known: a crash then
            // resends at most the message that was in flight.
            await deliver(envelopes) { index, result in
                guard failure == nil else { return }
                do {
                    try record(result, for: batch[index], database: database, now: now, into: &report)
                } catch {
                    failure = error
                }
            }
            if let failure { throw failure }
        }
        report.nextRetry = try database.nextRetry()
        return report
    }

    private func record(_ result: DeliveryResult, for entry: OutboxEntry, database: DubanDatabase, now: Date, into report: inout Report) throws {
        switch result {
        case .delivered(let rejected):
            try database.markSent(messageID: entry.messageID, at: Date())
            report.sent.append(entry.messageID)
            if !rejected.isEmpty { report.partlyRejected[entry.messageID] = rejected }
        case .failed(let error):
            let age = now.timeIntervalSince(entry.createdAt)
            let expired = age >= Double(delivery.giveUpAfterHours) * 3600
            if error.isTransient && !expired {
                let retryAt = now.addingTimeInterval(backoff(afterAttempts: entry.attempts + 1))
                try database.recordFailure(messageID: entry.messageID, error: error.description, retryAt: retryAt)
                report.retrying[entry.messageID] = error.description
            } else {
                let reason = expired && error.isTransient
                    ? "\(error.description) (still failing after \(delivery.giveUpAfterHours) h; given up)"
                    : error.description
                try database.recordFailure(messageID: entry.messageID, error: reason, retryAt: nil)
                report.failed[entry.messageID] = reason
            }
        }
    }

    /// Messages without any valid recipient cannot be sent anywhere: they
    /// fail at once (permanently) instead of reaching the transport.
    private func deliver(_ envelopes: [Envelope], each: (Int, DeliveryResult) async -> Void) async {
        var sendable: [Int] = []
        for (index, envelope) in envelopes.enumerated() {
            if envelope.recipients.isEmpty {
                await each(index, .failed(MailError(.configuration, "no valid recipient address", transient: false)))
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
