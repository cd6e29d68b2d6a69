import Foundation

/// One message as the transport sees it: the envelope and the bytes.
public struct Envelope: Sendable {
    public var messageID: String
    public var from: String
    public var recipients: [String]
    /// The whole message, CRLF line ends, as written by `MIMEWriter`.
    public var data: [UInt8]

    public init(messageID: String, from: String, recipients: [String], data: [UInt8]) {
        self.messageID = messageID
        self.from = from
        self.recipients = recipients
        self.data = data
    }
}

/// What happened to one message.
public enum DeliveryResult: Sendable {
    /// Accepted by the next hop. Recipients the server refused are listed
    /// with its reply; the message still counts as delivered to the others.
    case delivered(rejected: [String: String])
    case failed(MailError)
}

/// How mail leaves Duban: SMTP, a folder of .eml files, or a local sendmail.
public protocol MailTransport: Sendable {
    /// A short description for logs and `send-test` ("smtp://mail.example.org:587 (STARTTLS)").
    var description: String { get }
    /// Delivers a batch (over one connection where that applies), calling
    /// `each` with every message's result as soon as it is known and before
    /// the next message is sent: the caller records it durably there, so a
    /// crash can resend at most the one message in flight. When `each`
    /// answers `.stop` (the result could not be recorded), nothing more is
    /// sent: the session ends and the remaining messages get no result.
    /// Never throws: every failure is a result, so one bad message cannot
    /// hide the fate of the others.
    func deliver(_ batch: [Envelope], each: (Int, DeliveryResult) async -> BatchDecision) async
}

/// What the caller of `MailTransport.deliver` wants after one result.
public enum BatchDecision: Sendable {
    /// Send the next message.
    case proceed
    /// Send nothing more in this batch (its result could not be recorded:
    /// sending on would send messages whose fate nobody remembers).
    case stop
}

extension MailTransport {
    /// Delivers a batch and returns one result per envelope, in order.
    public func deliver(_ batch: [Envelope]) async -> [DeliveryResult] {
        var results = [DeliveryResult?](repeating: nil, count: batch.count)
        await deliver(batch) { index, result in results[index] = result; return .proceed }
        return results.map { $0 ?? .failed(MailError(.io, "the transport returned no result", transient: true)) }
    }
}

/// A delivery failure that says what failed and whether retrying can help.
public struct MailError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Open for new cases without breaking callers (a struct over a private enum).
    public struct Stage: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable { case dns, connect, tls, auth, rejected, timeout, protocolError = "protocol", io, configuration }
        private let base: Base
        public static let dns = Stage(base: .dns)
        public static let connect = Stage(base: .connect)
        public static let tls = Stage(base: .tls)
        public static let auth = Stage(base: .auth)
        public static let rejected = Stage(base: .rejected)
        public static let timeout = Stage(base: .timeout)
        public static let protocolError = Stage(base: .protocolError)
        public static let io = Stage(base: .io)
        public static let configuration = Stage(base: .configuration)
        public var description: String { base.rawValue }
    }

    public var stage: Stage
    public var message: String
    /// True when the same message may go through later (4xx replies,
    /// refused connections, timeouts); false for 5xx and broken messages.
    public var isTransient: Bool

    public init(_ stage: Stage, _ message: String, transient: Bool) {
        self.stage = stage
        self.message = message
        self.isTransient = transient
    }

    public var description: String { "\(stage): \(message)" }
}
