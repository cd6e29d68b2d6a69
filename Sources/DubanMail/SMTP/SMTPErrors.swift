import NIOCore
import NIOPosix
import NIOSSL

/// Maps NIO and TLS errors to what an operator needs to read.
enum SMTPErrors {
    static func classify(_ error: any Error, host: String = "the server", port: Int = 0) -> MailError {
        if let mail = error as? MailError { return mail }
        let target = port > 0 ? "\(host):\(port)" : host
        if let connection = error as? NIOConnectionError {
            if connection.dnsAError != nil || connection.dnsAAAAError != nil, connection.connectionErrors.isEmpty {
                return MailError(.dns, "DNS lookup of \(host) failed", transient: true)
            }
            let reasons = connection.connectionErrors.map { "\($0.error)" }
            return MailError(.connect, "cannot connect to \(target): \(reasons.first ?? "no address")", transient: true)
        }
        if error is ChannelError, case ChannelError.connectTimeout = error as! ChannelError {
            return MailError(.timeout, "connecting to \(target) timed out", transient: true)
        }
        if let ssl = error as? NIOSSLError {
            return MailError(.tls, "TLS with \(target) failed: \(ssl)", transient: true)
        }
        if let boring = error as? BoringSSLError {
            return MailError(.tls, "TLS with \(target) failed: \(boring) (is the certificate valid for \(host), and trusted? see [mail.smtp] ca_file)", transient: true)
        }
        if let io = error as? IOError {
            return MailError(.connect, "cannot reach \(target): \(io.description)", transient: true)
        }
        return MailError(.io, "\(target): \(error)", transient: true)
    }
}
