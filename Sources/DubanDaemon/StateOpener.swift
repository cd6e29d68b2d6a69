public import DubanConfig
import DubanCore
public import DubanPostgres
public import DubanStore
public import Foundation
public import Logging

/// Opens the state store `[state]` names: the SQLite file at `path`, or the
/// PostgreSQL database at `url`. The one place that knows both exist; the
/// pipeline sees `any StateStore`.
public enum StateOpener {
    /// What a command that would deliver gets: the right to deliver, or the
    /// reason it may only queue (the daemon delivers, or another leads).
    public enum Access: Sendable {
        case delivering(any StateStore)
        case queueOnly(any StateStore, holder: StoreError)

        public var store: any StateStore {
            switch self {
            case .delivering(let store), .queueOnly(let store, _): store
            }
        }
    }

    /// For the daemon. SQLite: takes the delivery lock now (a second daemon
    /// is refused). PostgreSQL: connects and migrates; the lease is taken by
    /// the daemon's loop, which stands by until it has it.
    public static func forDaemon(_ state: Configuration.State, logger: Logger) async throws -> any StateStore {
        guard let postgres = state.postgres else {
            try? FileManager.default.createDirectory(at: state.path.deletingLastPathComponent(), withIntermediateDirectories: true)
            return try DubanDatabase.open(at: state.path, delivering: true)
        }
        return try await PostgresStore.open(try settings(postgres), leading: true, logger: logger)
    }

    /// For `run --once` and `digest --send`. SQLite: waits a few seconds for
    /// another holder, then queues only. PostgreSQL: takes the lease if no
    /// daemon leads (waiting out the fence), else queues only.
    public static func toDeliver(_ state: Configuration.State, logger: Logger = StateOpener.commandLogger) async throws -> Access {
        guard let postgres = state.postgres else {
            try FileManager.default.createDirectory(at: state.path.deletingLastPathComponent(), withIntermediateDirectories: true)
            switch try await DubanDatabase.openToDeliver(at: state.path) {
            case .delivering(let database): return .delivering(database)
            case .queueOnly(let database, let holder): return .queueOnly(database, holder: holder)
            }
        }
        let store = try await PostgresStore.open(try settings(postgres), leading: true, logger: logger)
        if let lease = store.lease, await lease.acquireForCommand() { return .delivering(store) }
        let leader = try? await store.leader()
        let who = leader.map { "\($0.host) pid \($0.pid)" } ?? "another Duban"
        return .queueOnly(store, holder: StoreError(.heldElsewhere, "\(who) leads on \(store.location); only the leader delivers"))
    }

    /// For commands that write without delivering (`digest` without `--send`).
    public static func toWrite(_ state: Configuration.State, logger: Logger = StateOpener.commandLogger) async throws -> any StateStore {
        guard let postgres = state.postgres else {
            try FileManager.default.createDirectory(at: state.path.deletingLastPathComponent(), withIntermediateDirectories: true)
            return try DubanDatabase.open(at: state.path)
        }
        return try await PostgresStore.open(try settings(postgres), logger: logger)
    }

    /// For readers (`status`, `preview`, `check`): nil when there is no SQLite file yet.
    public static func readOnly(_ state: Configuration.State, logger: Logger = StateOpener.commandLogger) async throws -> (any StateStore)? {
        guard let postgres = state.postgres else { return try DubanDatabase.openReadOnly(at: state.path) }
        return try await PostgresStore.open(try settings(postgres), logger: logger)
    }

    /// What commands log about the store: warnings only (their output is for people and scripts).
    public static var commandLogger: Logger {
        var logger = Logger(label: "duban")
        logger.logLevel = .warning
        return logger
    }

    /// The connection settings, with the password read now from
    /// `password_file` or `$CREDENTIALS_DIRECTORY/pg-password` (none is fine:
    /// a server may trust the Unix socket's peer).
    public static func settings(_ postgres: Configuration.State.PostgreSQL) throws(ConfigurationError) -> PostgresSettings {
        let file = postgres.passwordFile
            ?? ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"]
                .map { URL(fileURLWithPath: $0).appendingPathComponent("pg-password") }
                .flatMap { FileManager.default.fileExists(atPath: $0.path) ? $0 : nil }
        var password: String?
        if let file {
            guard let text = try? String(contentsOf: file, encoding: .utf8) else {
                throw ConfigurationError([.error(SourceLocation(file: file.path), "cannot read the PostgreSQL password file")])
            }
            password = text.trimmingCharacters(in: .newlines)
        }
        let endpoint: PostgresSettings.Endpoint = postgres.socketFolder.map { .socket(folder: $0, port: postgres.port) }
            ?? .tcp(host: postgres.host ?? "localhost", port: postgres.port)
        let security: PostgresSettings.Security
        switch postgres.security {
        case .tls: security = .tls(caFile: postgres.caFile?.path)
        case .plain: security = .plain
        }
        return PostgresSettings(endpoint: endpoint, username: postgres.username, password: password, database: postgres.database,
                                schema: postgres.schema, security: security, display: postgres.description,
                                failover: .seconds(postgres.failoverSeconds))
    }
}
