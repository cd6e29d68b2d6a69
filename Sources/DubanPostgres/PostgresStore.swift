public import DubanStore
public import Foundation
public import Logging
import NIOConcurrencyHelpers
import NIOSSL
import PostgresNIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The PostgreSQL state store: the same `StateStore` as the SQLite file,
/// over a PostgresNIO connection pool, in one schema per programme.
///
/// Any number of daemons may open one database; only the holder of the
/// lease (`PostgresLease`) delivers, and each claim of outbox rows checks in
/// the same statement that the lease is still held by this process's lease
/// connection (`FOR UPDATE SKIP LOCKED`, fenced by `pg_locks`), so a cut-off
/// leader cannot claim after a standby took over.
public final class PostgresStore: StateStore {
    let client: PostgresClient
    let settings: PostgresSettings
    let logger: Logger
    /// The pool's own connections live as long as this task runs `client.run()`:
    /// the store owns it (CLI commands have no service group), and `close()` ends it.
    private let runner: Task<Void, Never>
    /// Set for the process that may lead; nil for readers and queuers.
    public let lease: PostgresLease?
    /// Whether the last statement found no connection within `connectionWait`.
    private let unreachable = NIOLockedValueBox(false)

    public var location: String { settings.location }

    /// Whether this process may deliver now: it holds the lease and renewed it in time.
    public var holdsDeliveryLock: Bool { lease?.mayDeliver ?? false }

    /// Connects, creates the schema if needed and runs the migrations (one
    /// process at a time, under a transaction-level advisory lock). With
    /// `leading`, also makes (but does not yet take) the lease: the daemon
    /// runs it; `run --once` tries it once.
    public static func open(_ settings: PostgresSettings, leading: Bool = false, logger: Logger = quietLogger)
        async throws(StoreError) -> PostgresStore {
        let store = PostgresStore(settings: settings, logger: logger, leading: leading)
        do {
            try await store.migrate()
        } catch {
            store.close()
            throw error
        }
        return store
    }

    private init(settings: PostgresSettings, logger: Logger, leading: Bool) {
        self.settings = settings
        self.logger = logger
        var configuration: PostgresClient.Configuration
        switch settings.endpoint {
        case .tcp(let host, let port):
            configuration = .init(host: host, port: port, username: settings.username, password: settings.password,
                                  database: settings.database, tls: Self.tls(settings.security))
        case .socket(let folder, let port):
            configuration = .init(unixSocketPath: "\(folder)/.s.PGSQL.\(port)", username: settings.username,
                                  password: settings.password, database: settings.database)
        }
        configuration.options.additionalStartupParameters = [("search_path", settings.schema),
                                                             ("application_name", PostgresLease.instanceName)]
        configuration.options.maximumConnections = 4
        configuration.options.connectTimeout = .seconds(10)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        runner = Task { await client.run() }
        lease = leading ? PostgresLease(settings: settings, logger: logger) : nil
    }

    deinit { runner.cancel() }

    /// Warnings only: the pool's connection chatter is not for a command's output.
    public static var quietLogger: Logger {
        var logger = Logger(label: "duban.postgres")
        logger.logLevel = .warning
        return logger
    }

    /// Ends the pool (and the lease's connection).
    public func close() {
        runner.cancel()
        lease?.close()
    }

    static func tls(_ security: PostgresSettings.Security) -> PostgresClient.Configuration.TLS {
        switch security {
        case .plain:
            return .disable
        case .tls(let caFile):
            var tls = TLSConfiguration.makeClientConfiguration()
            if let caFile { tls.trustRoots = .file(caFile) }
            return .require(tls)
        }
    }

    // MARK: - Access

    /// A statement outside a transaction (reads), its failure a `StoreError` naming `intent`.
    func read<T: Sendable>(_ intent: String, _ body: (PostgresConnection) async throws -> T) async throws(StoreError) -> T {
        do {
            return try await withinConnectionWait(intent) { client, _, connected in
                try await client.withConnection { connection in
                    connected()
                    return try await body(connection)
                }
            }
        } catch {
            throw StoreError(postgres: error, doing: intent, location: location)
        }
    }

    /// A transaction named by `intent`.
    func write<T: Sendable>(_ intent: String, _ body: (PostgresConnection) async throws -> T) async throws(StoreError) -> T {
        do {
            return try await withinConnectionWait(intent) { client, logger, connected in
                try await client.withTransaction(logger: logger) { connection in
                    connected()
                    return try await body(connection)
                }
            }
        } catch {
            throw StoreError(postgres: error, doing: intent, location: location)
        }
    }

    /// How long a statement may wait for a connection: the pool waits for
    /// one without end while the server is down, and a pass waiting there
    /// never ends — nor does the daemon on SIGTERM, which lets the pass in
    /// flight finish. The failover time (at least 10 s, for a loaded
    /// machine); one second while the last wait found no connection, so that
    /// a pass meeting a server that is gone fails in one wait, not one per
    /// statement.
    var connectionWait: Duration {
        if let wait = settings.connectionWait { return wait }
        return unreachable.withLockedValue { $0 } ? .seconds(1) : max(settings.failover, .seconds(10))
    }

    /// Runs `operation` (which takes a connection from the pool first, and
    /// calls its third argument once it has one) and gives up with a
    /// transient `StoreError` when no connection came within `connectionWait`. Only the wait is bounded: once connected, a long
    /// statement (`migrate-state`'s copy) takes the time it needs.
    func withinConnectionWait<T: Sendable>(_ intent: String,
                                           _ operation: (PostgresClient, Logger, @escaping @Sendable () -> Void) async throws -> T) async throws -> T {
        let connected = NIOLockedValueBox(false)
        let wait = connectionWait
        return try await withoutActuallyEscaping(operation) { escaping in
            // Run in a child task of the group below, which this call awaits to the end: the closure never outlives it.
            let operation = UncheckedSendable(escaping)
            return try await withThrowingTaskGroup(of: T?.self) { [client, logger, unreachable] group in
                group.addTask {
                    try await operation.value(client, logger) { [unreachable] in
                        connected.withLockedValue { $0 = true }
                        unreachable.withLockedValue { $0 = false }
                    }
                }
                group.addTask {
                    try await Task.sleep(for: wait)
                    if connected.withLockedValue({ $0 }) {
                        // Connected in time: wait for the statement to end (this task is cancelled then).
                        while true { try await Task.sleep(for: .seconds(3600)) }
                    }
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let value = first else {
                    self.unreachable.withLockedValue { $0 = true }
                    throw StoreError(.unavailable, "state database \(self.location) cannot be reached (\(intent)): no connection within \(wait); it is retried")
                }
                return value
            }
        }
    }

    /// Rows of `query`, all read.
    static func rows(_ connection: PostgresConnection, _ query: PostgresQuery, logger: Logger) async throws -> [PostgresRandomAccessRow] {
        try await connection.query(query, logger: logger).collect().map { $0.makeRandomAccess() }
    }

    static func execute(_ connection: PostgresConnection, _ query: PostgresQuery, logger: Logger) async throws {
        try await connection.query(query, logger: logger).collect()
    }

    // MARK: - Preflight and migrations

    public func preflight(now: Date) async throws(StoreError) {
        let stamp = ISO8601DateFormatter().string(from: now)
        try await write("checking the database can be written") { [logger] connection in
            try await Self.execute(connection, """
                INSERT INTO meta (key, value) VALUES ('preflight', \(stamp)) ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """, logger: logger)
        }
    }

    /// Creates the schema and runs every migration not yet applied, in order,
    /// each in its own transaction, with the same names as SQLite's.
    func migrate() async throws(StoreError) {
        let schema = settings.schema
        try await write("migrating the schema \(schema)") { [logger] connection in
            // Two daemons starting together: one migrates, the other waits here.
            // Its own key: the lease's lock (held for as long as a daemon leads) must not block a migration.
            try await Self.execute(connection, "SELECT pg_advisory_xact_lock(\(PostgresLease.migrationLockClass), hashtext(\(schema)))", logger: logger)
            try await Self.execute(connection, PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"), logger: logger)
            try await Self.execute(connection, PostgresQuery(unsafeSQL: "SET LOCAL search_path TO \(schema)"), logger: logger)
            try await Self.execute(connection, """
                CREATE TABLE IF NOT EXISTS schemaMigration (name TEXT PRIMARY KEY, appliedAt TIMESTAMPTZ NOT NULL DEFAULT now())
                """, logger: logger)
            var applied = Set<String>()
            for row in try await Self.rows(connection, "SELECT name FROM schemaMigration", logger: logger) {
                applied.insert(try row[0].decode(String.self))
            }
            let known = Set(PostgresMigrations.all.map(\.name))
            if let unknown = applied.subtracting(known).sorted().first {
                throw StoreError(.cannotOpen, "the state schema \(schema) was migrated by a newer Duban (\(unknown)); run that release, or a newer one")
            }
            for migration in PostgresMigrations.all where !applied.contains(migration.name) {
                for statement in migration.statements {
                    try await Self.execute(connection, PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await Self.execute(connection, "INSERT INTO schemaMigration (name) VALUES (\(migration.name))", logger: logger)
            }
        }
    }

    /// The migrations applied, oldest first (tests compare them with SQLite's).
    public func appliedMigrations() async throws(StoreError) -> [String] {
        try await read("reading the migrations") { [logger] connection in
            try await Self.rows(connection, "SELECT name FROM schemaMigration ORDER BY appliedAt, name", logger: logger).map { try $0[0].decode(String.self) }
        }
    }

    /// Runs raw SQL in the store's schema (tests: cutting a connection, dropping a schema).
    public func execute(_ sql: String) async throws(StoreError) {
        try await write("running \(sql)") { [logger] connection in
            try await Self.execute(connection, PostgresQuery(unsafeSQL: sql), logger: logger)
        }
    }

    // MARK: - Meta and size

    public func setMeta(_ key: String, _ value: String) async throws(StoreError) {
        try await write("recording \(key)") { [logger] connection in
            try await Self.execute(connection, """
                INSERT INTO meta (key, value) VALUES (\(key), \(value)) ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """, logger: logger)
        }
    }

    public func meta(_ key: String) async throws(StoreError) -> String? {
        try await read("reading \(key)") { [logger] connection in
            try await Self.rows(connection, "SELECT value FROM meta WHERE key = \(key)", logger: logger).first.map { try $0[0].decode(String.self) }
        }
    }

    /// The bytes of the schema's tables and indexes.
    public func size() async throws(StoreError) -> Int64 {
        let schema = settings.schema
        return try await read("measuring the database") { [logger] connection in
            try await Self.rows(connection, """
                SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::BIGINT FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = \(schema) AND c.relkind = 'r'
                """, logger: logger).first.map { try $0[0].decode(Int64.self) } ?? 0
        }
    }

    static var pid: Int64 { Int64(getpid()) }
}

extension StoreError {
    /// Turns what PostgresNIO threw into a `StoreError` naming the database,
    /// what Duban was doing, and whether a retry can help: a server that
    /// cannot be reached, a connection cut, a serialization failure are
    /// transient; a full disk, missing rights, a wrong password need an operator.
    init(postgres error: any Error, doing intent: String, location: String) {
        var error = error
        if let transaction = error as? PostgresTransactionError {
            error = transaction.closureError ?? transaction.beginError ?? transaction.commitError ?? transaction.rollbackError ?? error
        }
        if let error = error as? StoreError {
            self = error
            return
        }
        guard let psql = error as? PSQLError else {
            self.init(.query, "state database \(location): \(intent) failed: \(error)")
            return
        }
        let state = psql.serverInfo?[.sqlState] ?? ""
        let detail = psql.serverInfo?[.message] ?? "\(psql.code)"
        switch psql.code {
        case .server:
            switch state {
            case "53100":
                self.init(.full, "state database \(location): the server's disk is full (\(intent)): \(detail)")
            case "25006", "42501":
                self.init(.readOnly, "state database \(location) cannot be written (\(intent)): the database user needs to own the schema or have rights on its tables: \(detail)")
            case "28P01", "28000", "3D000":
                self.init(.cannotOpen, "cannot open the state database \(location) (\(intent)): \(detail); check the user, the password file and that the database exists")
            case "40001", "40P01", "55P03":
                self.init(.busy, "state database \(location) is locked by another session (\(intent)); it is retried: \(detail)")
            case _ where state.hasPrefix("08") || state.hasPrefix("57P"):
                self.init(.unavailable, "state database \(location): the server dropped the connection (\(intent)); it is retried: \(detail)")
            case "XX001", "XX002":
                self.init(.corrupt, "state database \(location) is damaged (\(intent)): \(detail)")
            default:
                self.init(.query, "state database \(location): \(intent) failed: \(detail) (SQLSTATE \(state))")
            }
        case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection, .poolClosed, .queryCancelled:
            self.init(.unavailable, "state database \(location) cannot be reached (\(intent)); it is retried: \(psql.code)\(psql.underlying.map { ": \($0)" } ?? "")")
        case .sslUnsupported, .failedToAddSSLHandler, .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError:
            self.init(.cannotOpen, "cannot open the state database \(location) (\(intent)): \(psql.code)\(psql.underlying.map { ": \($0)" } ?? ""); check [state] security, ca_file and the password file")
        default:
            self.init(.query, "state database \(location): \(intent) failed: \(psql.code)\(psql.underlying.map { ": \($0)" } ?? "")")
        }
    }

    /// Whether a PostgreSQL error is a unique violation (the log refusing an identity).
    static func isUniqueViolation(_ error: any Error) -> Bool {
        var error = error
        if let transaction = error as? PostgresTransactionError { error = transaction.closureError ?? transaction.commitError ?? error }
        return (error as? PSQLError)?.serverInfo?[.sqlState] == "23505"
    }
}

/// A value carried into a child task that the caller awaits to the end
/// (`withinConnectionWait`): it is never used after the call returns.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
