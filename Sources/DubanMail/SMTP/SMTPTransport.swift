public import NIOCore
import NIOPosix

/// Delivers over SMTP, one connection for a whole batch. A connection that
/// breaks mid-batch (a 421, a timeout) fails the messages not yet sent as
/// transient: they stay in the outbox and go with the next attempt.
public struct SMTPTransport: MailTransport {
    public var settings: SMTPSettings
    private let group: any EventLoopGroup

    /// Uses NIO's shared event loop group unless given one.
    public init(settings: SMTPSettings, group: (any EventLoopGroup)? = nil) {
        self.settings = settings
        self.group = group ?? MultiThreadedEventLoopGroup.singleton
    }

    public var description: String {
        "smtp://\(settings.host):\(settings.port) (\(settings.security == .tls ? "TLS" : settings.security == .starttls ? "STARTTLS" : "plain, loopback only"))"
    }

    public func deliver(_ batch: [Envelope], each: (Int, DeliveryResult) async -> BatchDecision) async {
        guard !batch.isEmpty else { return }
        let connection: SMTPConnection
        do {
            connection = try await SMTPConnection.open(settings, group: group)
        } catch {
            for index in batch.indices where await each(index, .failed(error)) == .stop { return }
            return
        }
        for (index, envelope) in batch.enumerated() {
            let result: DeliveryResult
            do {
                result = try await connection.send(envelope)
            } catch {
                // The session is gone: this message and the rest wait for the next attempt.
                await connection.abort()
                for rest in index..<batch.count where await each(rest, .failed(error)) == .stop { return }
                return
            }
            if await each(index, result) == .stop {
                // The caller could not record this result: end the session politely, send nothing more.
                await connection.quit()
                return
            }
        }
        await connection.quit()
    }
}
