public import Foundation

/// How to reach a PostgreSQL state database: what `[state] url`, `schema`,
/// `security`, `ca_file` and the password file say, resolved (the password
/// read) by the caller at the last moment, as for SMTP.
public struct PostgresSettings: Sendable {
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        /// The folder holding `.s.PGSQL.<port>`.
        case socket(folder: String, port: Int)
    }

    public enum Security: Sendable, Equatable {
        /// TLS required, the server's certificate verified (against `caFile`, or the system's CAs).
        case tls(caFile: String?)
        /// No TLS: a Unix socket or a loopback address only (the configuration checks).
        case plain
    }

    public var endpoint: Endpoint
    public var username: String
    public var password: String?
    public var database: String
    /// One schema per programme; created when missing.
    public var schema: String
    public var security: Security
    /// What `status` and messages show: the URL, never the password.
    public var display: String
    /// A standby takes over at most this long after the leader died or lost the database.
    public var failover: Duration
    /// How long a statement waits for a pooled connection before the pass gives up (and is
    /// retried): nil for `failover`, at least 10 s, then 1 s while the server stays unreachable.
    /// Tests that run the store beside a full test suite set it longer: there the wait is
    /// measured on a cooperative pool that other tests' blocking work can starve for
    /// longer than any connection takes.
    public var connectionWait: Duration?

    public init(endpoint: Endpoint, username: String, password: String?, database: String, schema: String = "public",
                security: Security, display: String, failover: Duration = .seconds(30), connectionWait: Duration? = nil) {
        self.endpoint = endpoint
        self.username = username
        self.password = password
        self.database = database
        self.schema = schema
        self.security = security
        self.display = display
        self.failover = failover
        self.connectionWait = connectionWait
    }

    /// How often the leader renews its lease (and a standby tries to take it): a sixth of `failover`.
    public var renewInterval: Duration { failover / 6 }

    /// How long a renewal stays good. A leader whose last renewal is older
    /// stops sending; a new leader waits this long before its first send, so
    /// the one it replaced (if alive, cut off) has stopped: a third of `failover`.
    public var fence: Duration { failover / 3 }

    /// Where the state is, as `status` shows it (with the schema when not the default).
    public var location: String { schema == "public" ? display : "\(display) (schema \(schema))" }
}
