public import Foundation
import DubanTOML
import TOMLKit

extension Configuration {
    /// `[state]`: where Duban remembers what it sent.
    public struct State: Sendable {
        /// The SQLite state database (notification log, outbox, snapshots).
        /// Default `/var/lib/duban/duban.sqlite` (systemd's StateDirectory).
        /// With `url`, the folder of this path still holds the digest archive.
        public var path: URL
        /// Days the MIME body of a sent message is kept (`keep_bodies_days`, default 90).
        public var keepBodiesDays: Int = 90
        /// `[state] url`: a PostgreSQL database instead of the SQLite file.
        public var postgres: PostgreSQL?

        public static let defaultPath = "/var/lib/duban/duban.sqlite"

        /// A PostgreSQL state database, shared by any number of daemons of
        /// which one leads.
        public struct PostgreSQL: Sendable {
            /// `postgresql://USER@HOST[:PORT]/DATABASE`, or `postgresql://USER@/DATABASE?host=/run/postgresql`
            /// for a Unix socket. Never a password.
            public var url: String
            public var username: String
            /// The TCP host; nil with `socketFolder`.
            public var host: String?
            public var port: Int
            /// The folder holding `.s.PGSQL.PORT` (the URL's `?host=/path`).
            public var socketFolder: String?
            public var database: String
            /// `[state] schema`: one schema per programme in a shared database. Default `public`.
            public var schema: String
            /// Where the password is: default `$CREDENTIALS_DIRECTORY/pg-password`
            /// (systemd `LoadCredential=`). Never in the configuration; none is fine
            /// for a server that trusts the Unix socket's peer.
            public var passwordFile: URL?
            /// `tls` (default over TCP: required and verified) or `plain` (loopback and Unix sockets only).
            public var security: Security
            /// The CA that signed the server's certificate (default: the system's).
            public var caFile: URL?
            /// A standby takes over at most this long after the leader died or
            /// lost the database (`failover_seconds`, default 30).
            public var failoverSeconds: Int

            public enum Security: String, Sendable, CaseIterable {
                case tls, plain
            }

            /// The URL as shown in messages and `status`.
            public var description: String { url }
        }

        static func read(from root: TOMLTable, _ checker: inout TOMLChecker) -> State {
            var state = State(path: URL(fileURLWithPath: defaultPath))
            if let table = checker.table(root, "state", in: "") {
                if let path = checker.paths(table, "path", in: "state").first { state.path = path }
                if let days = checker.int(table, "keep_bodies_days", in: "state", range: 1...36_500) { state.keepBodiesDays = days }
                if let url = checker.string(table, "url", in: "state") {
                    if table["path"] != nil {
                        checker.error("url", in: "state", "set either path (SQLite) or url (PostgreSQL), not both")
                    }
                    switch PostgreSQL.parse(url) {
                    case .success(var postgres):
                        postgres.schema = checker.string(table, "schema", in: "state") ?? "public"
                        if !postgres.schema.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) || postgres.schema.first?.isNumber == true {
                            checker.error("schema", in: "state", "a schema name is letters, digits and _ (not starting with a digit), not \"\(postgres.schema)\"")
                        }
                        postgres.passwordFile = checker.paths(table, "password_file", in: "state").first
                        postgres.caFile = checker.paths(table, "ca_file", in: "state").first
                        let security: PostgreSQL.Security? = checker.choice(table, "security", in: "state")
                        postgres.security = security ?? (postgres.socketFolder == nil ? .tls : .plain)
                        if postgres.security == .plain, let host = postgres.host, !Mail.SMTP.isLoopbackLiteral(host) {
                            checker.error("security", in: "state", "\"plain\" sends the state (and the password) unencrypted: only for a Unix socket or a loopback address, not \(host)")
                        }
                        postgres.failoverSeconds = checker.int(table, "failover_seconds", in: "state", range: 3...3600) ?? 30
                        state.postgres = postgres
                    case .failure(let problem):
                        checker.error("url", in: "state", problem.description)
                    }
                } else {
                    for key in ["schema", "password_file", "ca_file", "security", "failover_seconds"] where table[key] != nil {
                        checker.error(key, in: "state", "only used with url (PostgreSQL)")
                    }
                }
                if table["password"] != nil {
                    checker.error("password", in: "state", "passwords do not belong in the configuration file; use password_file or systemd LoadCredential=pg-password")
                }
                checker.allow(table, in: "state", keys: ["path", "keep_bodies_days", "url", "schema", "password_file", "ca_file", "security",
                                                         "failover_seconds", "password"])
            }
            return state
        }
    }
}

extension Configuration.State.PostgreSQL {
    /// Parses `postgresql://user@host:port/database` (or `postgres://`; a
    /// Unix socket as `?host=/folder`). A password in the URL is refused.
    public static func parse(_ text: String) -> Result<Self, ParseProblem> {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
              scheme == "postgresql" || scheme == "postgres" else {
            return .failure(ParseProblem("expected postgresql://USER@HOST/DATABASE, not \"\(text)\""))
        }
        if components.password != nil {
            return .failure(ParseProblem("the URL carries a password: passwords do not belong in the configuration file; use password_file or systemd LoadCredential=pg-password"))
        }
        guard let user = components.user, !user.isEmpty else {
            return .failure(ParseProblem("the URL names no user (postgresql://USER@HOST/DATABASE)"))
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            return .failure(ParseProblem("the URL names no database (postgresql://USER@HOST/DATABASE)"))
        }
        var socket: String?
        for item in components.queryItems ?? [] {
            switch item.name {
            case "host" where item.value?.hasPrefix("/") == true: socket = item.value
            default: return .failure(ParseProblem("unknown URL parameter \"\(item.name)\" (only host=/socket/folder; TLS is [state] security and ca_file)"))
            }
        }
        let host = components.host.flatMap { $0.isEmpty ? nil : $0 }
        if host == nil && socket == nil {
            return .failure(ParseProblem("the URL names no host (postgresql://USER@HOST/DATABASE, or ?host=/run/postgresql for a Unix socket)"))
        }
        var shown = components
        shown.password = nil
        return .success(Self(url: shown.string ?? text, username: user, host: socket == nil ? host : nil, port: components.port ?? 5432,
                             socketFolder: socket, database: database, schema: "public", passwordFile: nil, security: .tls,
                             caFile: nil, failoverSeconds: 30))
    }

    public struct ParseProblem: Error, Sendable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }
}
