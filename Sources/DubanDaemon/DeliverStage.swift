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
            let results = await deliverable(envelopes)
            for (entry, result) in zip(batch, results) {
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
        }
        report.nextRetry = try database.nextRetry()
        return report
    }

    /// Messages without any valid recipient cannot be sent anywhere: they
    /// fail at once (permanently) instead of reaching the transport.
    private func deliverable(_ envelopes: [Envelope]) async -> [DeliveryResult] {
        let sendable = envelopes.filter { !$0.recipients.isEmpty }
        var results = await transport.deliver(sendable).makeIterator()
        return envelopes.map { envelope in
            envelope.recipients.isEmpty
                ? .failed(MailError(.configuration, "no valid recipient address", transient: false))
                : (results.next() ?? .failed(MailError(.io, "the transport returned no result", transient: true)))
        }
    }

    /// initial × 2^(attempts-1), capped.
    func backoff(afterAttempts attempts: Int) -> TimeInterval {
        let exponent = min(max(attempts - 1, 0), 30)
        return min(Double(delivery.retryInitialSeconds) * pow(2, Double(exponent)), Double(delivery.retryMaxSeconds))
    }
}
