public import DubanCore
public import Foundation
import DubanTOML
import TOMLKit
#if canImport(Glibc)
import Glibc
#endif

extension Configuration {
    /// `[mail]` and `[mail.smtp]`: how messages leave.
    public struct Mail: Sendable {
        public enum Transport: String, Sendable, CaseIterable {
            /// Write each message as an .eml file into `folder` (the embedded default).
            case files
            case smtp
            case sendmail
        }

        public struct SMTP: Sendable {
            /// How the connection is protected.
            public enum Security: String, Sendable, CaseIterable {
                /// Plain connection upgraded with STARTTLS before anything else. The default.
                case starttls
                /// TLS from the first byte ("SMTPS").
                case tls
                /// No encryption: only for a relay on this machine (see `isLoopbackLiteral`).
                case plain

                /// 587, 465 or 25.
                public var defaultPort: Int {
                    switch self {
                    case .starttls: return 587
                    case .tls: return 465
                    case .plain: return 25
                    }
                }
            }

            public var host: String
            /// Default 587 for starttls, 465 for tls, 25 for plain.
            public var port: Int
            /// `starttls` (default), `tls`, or `plain` (loopback relays only).
            public var security: Security
            public var username: String?
            /// Where the password is: default `$CREDENTIALS_DIRECTORY/smtp-password`
            /// (systemd `LoadCredential=`). Never in this file.
            public var passwordFile: URL?
            public var caFile: URL?
            /// Seconds for connecting and for each reply. Default 30.
            public var timeoutSeconds: Int
            /// The EHLO name. Default: the host name of this machine.
            public var helo: String?

            /// True only for what cannot leave this machine without a name
            /// lookup: `localhost`, a literal IPv4 address in 127.0.0.0/8, or
            /// the IPv6 loopback `::1`. A *name* that merely starts with "127."
            /// (`127.attacker.example`) is looked up in DNS and could be anywhere.
            public static func isLoopbackLiteral(_ host: String) -> Bool {
                if host == "localhost" { return true }
                var v4 = in_addr()
                if inet_pton(AF_INET, host, &v4) == 1 {
                    // s_addr is in network byte order: the first octet is the lowest byte in memory.
                    return withUnsafeBytes(of: &v4) { $0[0] } == 127
                }
                let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
                var v6 = in6_addr()
                if inet_pton(AF_INET6, bare, &v6) == 1 {
                    return withUnsafeBytes(of: &v6) { bytes in bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1 }
                }
                return false
            }

            static func read(_ table: TOMLTable, _ checker: inout TOMLChecker) -> SMTP {
                let security: Security = checker.choice(table, "security", in: "mail.smtp") ?? .starttls
                let host = checker.string(table, "host", in: "mail.smtp", required: true) ?? ""
                if security == .plain, !host.isEmpty, !isLoopbackLiteral(host) {
                    checker.error("security", in: "mail.smtp",
                        "\"plain\" (no encryption) is allowed only for a relay on this machine: localhost, 127.0.0.0/8 or ::1, not \(host); use starttls or tls")
                }
                let smtp = SMTP(
                    host: host,
                    port: checker.int(table, "port", in: "mail.smtp", range: 1...65535) ?? security.defaultPort,
                    security: security,
                    username: checker.string(table, "username", in: "mail.smtp"),
                    passwordFile: checker.paths(table, "password_file", in: "mail.smtp").first,
                    caFile: checker.paths(table, "ca_file", in: "mail.smtp").first,
                    timeoutSeconds: checker.int(table, "timeout_seconds", in: "mail.smtp", range: 1...600) ?? 30,
                    helo: checker.string(table, "helo", in: "mail.smtp"))
                if table["password"] != nil {
                    checker.error("password", in: "mail.smtp", "passwords do not belong in the configuration file; use password_file or systemd LoadCredential=smtp-password")
                }
                checker.allow(table, in: "mail.smtp", keys: ["host", "port", "security", "username", "password_file", "ca_file", "timeout_seconds", "helo", "password"])
                return smtp
            }
        }

        public var transport: Transport
        /// The sender. Default: the office (`[chain] office`).
        public var from: Contact
        /// `files` transport: where .eml files go. Default `mail` beside the state database.
        public var folder: URL
        /// Template search path, first match wins. Default: `templates` beside
        /// this file, then `/usr/share/duban/templates`.
        public var templates: [URL]
        /// `sendmail` transport: the program. Default `/usr/sbin/sendmail`.
        public var sendmail: String
        public var smtp: SMTP?

        public static let defaultSendmail = "/usr/sbin/sendmail"
        public static let sharedTemplates = URL(fileURLWithPath: "/usr/share/duban/templates")

        /// Returns nil when the sender is unknown (no `from` and no valid office,
        /// which is already reported).
        static func read(from root: TOMLTable, _ checker: inout TOMLChecker, office: Contact?, state: State) -> Mail? {
            var transport = Transport.files
            var from = office
            var folder = state.path.deletingLastPathComponent().appendingPathComponent("mail")
            var templates = [checker.folder.appendingPathComponent("templates"), sharedTemplates]
            var sendmail = defaultSendmail
            var smtp: SMTP?
            if let table = checker.table(root, "mail", in: "") {
                if let value: Transport = checker.choice(table, "transport", in: "mail") { transport = value }
                if table["from"] != nil { from = checker.contact(table, "from", in: "mail", required: true) }
                if let path = checker.paths(table, "folder", in: "mail").first { folder = path }
                if table["templates"] != nil { templates = checker.paths(table, "templates", in: "mail") }
                if let program = checker.string(table, "sendmail", in: "mail") { sendmail = program }
                if let section = checker.table(table, "smtp", in: "mail") { smtp = SMTP.read(section, &checker) }
                checker.allow(table, in: "mail", keys: ["transport", "from", "folder", "templates", "sendmail", "smtp"])
            }
            if transport == .smtp && smtp == nil {
                checker.error("transport", in: "mail", "transport = \"smtp\" needs a [mail.smtp] section with at least host")
            }
            guard let from else { return nil }
            return Mail(transport: transport, from: from, folder: folder, templates: templates, sendmail: sendmail, smtp: smtp)
        }
    }
}
