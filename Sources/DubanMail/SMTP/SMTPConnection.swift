import NIOCore
import NIOPosix
import NIOSSL

/// One SMTP session (RFC 5321) over NIO: connect (implicit TLS or STARTTLS),
/// EHLO, AUTH, then any number of messages, then QUIT. Commands are sent one
/// at a time and each reply is awaited with a timeout.
final class SMTPConnection: Sendable {
    private let channel: any Channel
    private let handler: NIOLoopBound<SMTPClientHandler>
    private let settings: SMTPSettings
    private let timeout: TimeAmount
    /// What EHLO advertised (upper-cased keywords, e.g. "AUTH PLAIN LOGIN").
    let capabilities: [String]

    private init(channel: any Channel, handler: NIOLoopBound<SMTPClientHandler>, settings: SMTPSettings, capabilities: [String]) {
        self.channel = channel
        self.handler = handler
        self.settings = settings
        self.timeout = .seconds(Int64(settings.timeoutSeconds))
        self.capabilities = capabilities
    }

    /// Connects, reads the greeting, says EHLO, upgrades to TLS when
    /// configured, and authenticates when a user is configured.
    static func open(_ settings: SMTPSettings, group: any EventLoopGroup) async throws(MailError) -> SMTPConnection {
        guard settings.security != .plain || SMTPSettings.isLoopback(settings.host) else {
            throw MailError(.configuration, "refusing an unencrypted connection to \(settings.host): plain SMTP is allowed only to a loopback relay", transient: false)
        }
        let tls: NIOSSLContext?
        do {
            tls = settings.security == .plain ? nil : try makeTLSContext(settings)
        } catch {
            throw MailError(.tls, "cannot set up TLS: \(error)", transient: false)
        }
        let timeout = TimeAmount.seconds(Int64(settings.timeoutSeconds))
        let implicitTLS = settings.security == .tls
        let host = settings.host
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if implicitTLS, let tls {
                            try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: serverName(host)))
                        }
                        try channel.pipeline.syncOperations.addHandler(SMTPClientHandler())
                    }
                }
                .connect(host: settings.host, port: settings.port)
                .get()
        } catch {
            throw SMTPErrors.classify(error, host: settings.host, port: settings.port)
        }
        let handler: NIOLoopBound<SMTPClientHandler>
        do {
            handler = try await channel.eventLoop.submit {
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: SMTPClientHandler.self), eventLoop: channel.eventLoop)
            }.get()
        } catch {
            channel.close(promise: nil)
            throw MailError(.io, "SMTP handler missing: \(error)", transient: true)
        }
        var connection = SMTPConnection(channel: channel, handler: handler, settings: settings, capabilities: [])
        do {
            let greeting = try await connection.reply(to: nil)
            guard greeting.code == 220 else {
                throw MailError(.rejected, "the server refused the connection: \(greeting)", transient: greeting.isTransientFailure || greeting.code == 554 ? greeting.isTransientFailure : true)
            }
            var capabilities = try await connection.ehlo()
            if settings.security == .starttls, let tls {
                // Not a passing fault: retrying for `give_up_after_hours` would only
                // delay the news that the server or the setting is wrong.
                guard capabilities.contains("STARTTLS") else {
                    throw MailError(.configuration, "\(settings.host):\(settings.port) does not offer STARTTLS, but [mail.smtp] security = \"starttls\" requires it: enable STARTTLS on the server, or use security = \"tls\" with its implicit-TLS port (465)", transient: false)
                }
                let ready = try await connection.reply(to: "STARTTLS")
                guard ready.code == 220 else { throw MailError(.tls, "STARTTLS refused: \(ready)", transient: ready.isTransientFailure) }
                try await connection.startTLS(tls)
                // RFC 3207 §4.2: forget everything learnt before TLS and ask again.
                capabilities = try await connection.ehlo()
            }
            connection = SMTPConnection(channel: channel, handler: handler, settings: settings, capabilities: capabilities)
            if let user = settings.username {
                try await connection.authenticate(user: user, password: settings.password ?? "")
            }
            return connection
        } catch {
            channel.close(promise: nil)
            throw SMTPErrors.classify(error, host: settings.host, port: settings.port)
        }
    }

    static func makeTLSContext(_ settings: SMTPSettings) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateVerification = .fullVerification
        if let caFile = settings.caFile {
            configuration.trustRoots = .file(caFile)
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// SNI takes names only; for an address the certificate is still checked against it.
    static func serverName(_ host: String) -> String? {
        host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" || $0 == "[" || $0 == "]" } ? nil : host
    }

    private func startTLS(_ context: NIOSSLContext) async throws(MailError) {
        let host = settings.host
        do {
            try await channel.eventLoop.submit { [handler, channel] in
                handler.value.discardBuffered()
                let tls = try NIOSSLClientHandler(context: context, serverHostname: Self.serverName(host))
                try channel.pipeline.syncOperations.addHandler(tls, position: .first)
            }.get()
        } catch {
            throw SMTPErrors.classify(error, host: settings.host, port: settings.port)
        }
    }

    /// Sends `command` (nil: just wait) and returns the server's reply.
    func reply(to command: String?) async throws(MailError) -> SMTPReply {
        try await reply(sending: command.map { ByteBuffer(string: $0 + "\r\n") })
    }

    private func reply(sending bytes: ByteBuffer?) async throws(MailError) -> SMTPReply {
        let promise = channel.eventLoop.makePromise(of: SMTPReply.self)
        let timeout = self.timeout
        channel.eventLoop.execute { [handler, channel] in
            handler.value.expectReply(promise, timeout: timeout, eventLoop: channel.eventLoop)
            if let bytes { channel.writeAndFlush(bytes, promise: nil) }
        }
        do {
            return try await promise.futureResult.get()
        } catch {
            throw SMTPErrors.classify(error, host: settings.host, port: settings.port)
        }
    }

    private func ehlo() async throws(MailError) -> [String] {
        let reply = try await reply(to: "EHLO \(settings.heloName)")
        guard reply.code == 250 else { throw MailError(.protocolError, "EHLO refused: \(reply)", transient: reply.isTransientFailure) }
        return reply.lines.dropFirst().map { $0.uppercased() }
    }

    private func authenticate(user: String, password: String) async throws(MailError) {
        let mechanisms = capabilities.first { $0.hasPrefix("AUTH") }?.split(separator: " ").dropFirst().map(String.init) ?? []
        func encode(_ text: String) -> String { Base64.encode(Array(text.utf8)) }
        let final: SMTPReply
        if mechanisms.contains("PLAIN") {
            final = try await reply(to: "AUTH PLAIN " + encode("\u{0}\(user)\u{0}\(password)"))
        } else if mechanisms.contains("LOGIN") {
            let first = try await reply(to: "AUTH LOGIN")
            guard first.code == 334 else { throw MailError(.auth, "AUTH LOGIN refused: \(first)", transient: first.isTransientFailure) }
            let second = try await reply(to: encode(user))
            guard second.code == 334 else { throw MailError(.auth, "user name refused: \(second)", transient: second.isTransientFailure) }
            final = try await reply(to: encode(password))
        } else {
            throw MailError(.auth, "\(settings.host) offers no AUTH PLAIN or LOGIN (offered: \(mechanisms.joined(separator: " ")))", transient: true)
        }
        // The password never appears in an error: only the server's reply does.
        guard final.code == 235 else { throw MailError(.auth, "authentication as \(user) failed: \(final)", transient: true) }
    }

    /// True when EHLO offered SMTPUTF8 (RFC 6531): the server takes non-ASCII addresses.
    var offersSMTPUTF8: Bool { capabilities.contains { $0 == "SMTPUTF8" || $0.hasPrefix("SMTPUTF8 ") } }

    /// Sends one message. Recipients refused with 5xx are reported and the
    /// others still get the message; a message no recipient accepts fails.
    /// A non-ASCII address goes out only to a server that offers SMTPUTF8,
    /// with `MAIL FROM:<…> SMTPUTF8`; otherwise it is refused here, for good.
    func send(_ envelope: Envelope) async throws(MailError) -> DeliveryResult {
        var rejected: [String: String] = [:]
        var recipients: [String] = []
        for recipient in envelope.recipients {
            if let refusal = MailAddress.refusal(recipient) {
                rejected[recipient] = "553 5.1.3 not sent: \(refusal)"
            } else if MailAddress.needsSMTPUTF8(recipient) && !offersSMTPUTF8 {
                rejected[recipient] = "553 5.6.7 not sent: \(recipient) is not an ASCII address and \(settings.host) does not offer SMTPUTF8 (RFC 6531); give this person an ASCII address, or use a server with SMTPUTF8"
            } else {
                recipients.append(recipient)
            }
        }
        if MailAddress.needsSMTPUTF8(envelope.from) && !offersSMTPUTF8 {
            return .failed(MailError(.configuration, "the sender \(envelope.from) ([mail] from) is not an ASCII address and \(settings.host) does not offer SMTPUTF8 (RFC 6531)", transient: false))
        }
        guard !recipients.isEmpty else {
            let detail = rejected.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
            return .failed(MailError(.rejected, "every recipient was refused (\(detail))", transient: false))
        }
        let needsUTF8 = offersSMTPUTF8 && ([envelope.from] + recipients).contains(where: MailAddress.needsSMTPUTF8)
        let mail = try await reply(to: "MAIL FROM:<\(envelope.from)>" + (needsUTF8 ? " SMTPUTF8" : ""))
        guard mail.code == 250 else {
            if mail.code == 421 { throw MailError(.rejected, "server closing: \(mail)", transient: true) }
            _ = try? await reply(to: "RSET")
            return .failed(MailError(.rejected, "sender refused: \(mail)", transient: mail.isTransientFailure))
        }
        var transientRejection = false
        var accepted = 0
        for recipient in recipients {
            let rcpt = try await reply(to: "RCPT TO:<\(recipient)>")
            if rcpt.code == 250 || rcpt.code == 251 {
                accepted += 1
            } else {
                if rcpt.code == 421 { throw MailError(.rejected, "server closing: \(rcpt)", transient: true) }
                rejected[recipient] = rcpt.description
                if rcpt.isTransientFailure { transientRejection = true }
            }
        }
        guard accepted > 0 else {
            _ = try? await reply(to: "RSET")
            let detail = rejected.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
            return .failed(MailError(.rejected, "every recipient was refused (\(detail))", transient: transientRejection))
        }
        let data = try await reply(to: "DATA")
        guard data.code == 354 else {
            if data.code == 421 { throw MailError(.rejected, "server closing: \(data)", transient: true) }
            _ = try? await reply(to: "RSET")
            return .failed(MailError(.rejected, "DATA refused: \(data)", transient: data.isTransientFailure))
        }
        let done = try await reply(sending: Self.dotStuffed(envelope.data))
        if done.code == 250 { return .delivered(rejected: rejected) }
        if done.code == 421 { throw MailError(.rejected, "server closing: \(done)", transient: true) }
        return .failed(MailError(.rejected, "message refused: \(done)", transient: done.isTransientFailure))
    }

    /// The message body as SMTP wants it: CRLF line ends, a leading dot
    /// doubled (RFC 5321 §4.5.2), ended by `CRLF.CRLF`.
    static func dotStuffed(_ data: [UInt8]) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(data.count + data.count / 50 + 5)
        var atLineStart = true
        var previous: UInt8 = 0
        for byte in data {
            if byte == 0x0A && previous != 0x0D { out.writeInteger(UInt8(0x0D)) }
            if atLineStart && byte == UInt8(ascii: ".") { out.writeInteger(UInt8(ascii: ".")) }
            out.writeInteger(byte)
            atLineStart = byte == 0x0A
            previous = byte
        }
        if !atLineStart { out.writeString("\r\n") }
        out.writeString(".\r\n")
        return out
    }

    func quit() async {
        _ = try? await reply(to: "QUIT")
        try? await channel.close()
    }

    func abort() async {
        try? await channel.close()
    }
}
