/// Where and how to reach the SMTP server (`[mail.smtp]`).
public struct SMTPSettings: Sendable, Equatable {
    public enum Security: String, Sendable, CaseIterable {
        /// TLS from the first byte (port 465, "SMTPS").
        case tls
        /// Plain connection upgraded with STARTTLS before anything else (port 587). Required.
        case starttls
        /// No encryption at all. Allowed only for a relay on the loopback
        /// interface (127.0.0.0/8, ::1, localhost) and only when configured explicitly.
        case plain
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    /// Read from `$CREDENTIALS_DIRECTORY/smtp-password` or a file named in the
    /// configuration — never from the configuration itself, never logged.
    public var password: String?
    /// PEM file of CA certificates to trust instead of the system's.
    public var caFile: String?
    /// Seconds allowed for connecting and for each reply.
    public var timeoutSeconds: Int
    /// The name Duban gives in EHLO.
    public var heloName: String

    public init(host: String, port: Int, security: Security, username: String? = nil, password: String? = nil,
                caFile: String? = nil, timeoutSeconds: Int = 30, heloName: String = "localhost") {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.caFile = caFile
        self.timeoutSeconds = timeoutSeconds
        self.heloName = heloName
    }

    /// True for names and addresses that can only mean this machine: a
    /// literal IPv4 address in 127.0.0.0/8, `::1`, or `localhost` (found in
    /// /etc/hosts before any DNS). A name like `127.attacker.example` is not:
    /// DNS decides where it points.
    public static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        let octets = parts.compactMap { part -> Int? in
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            return Int(part).flatMap { $0 <= 255 ? $0 : nil }
        }
        return octets.count == 4 && octets[0] == 127
    }

    public static func == (a: SMTPSettings, b: SMTPSettings) -> Bool {
        a.host == b.host && a.port == b.port && a.security == b.security && a.username == b.username
            && a.password == b.password && a.caFile == b.caFile && a.timeoutSeconds == b.timeoutSeconds && a.heloName == b.heloName
    }
}
