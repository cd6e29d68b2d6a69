public import Foundation
public import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import PostgresNIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The right to plan and deliver from a PostgreSQL state schema: a session
/// advisory lock held on a connection of its own, renewed (a round trip on
/// that connection) every `renewInterval`.
///
/// The server releases the lock the moment the connection ends — the
/// process died (SIGKILL included), or was cut off (`pg_terminate_backend`,
/// a network failure once TCP keepalives give up) — and a standby, trying
/// every `renewInterval`, takes it. Fencing: the holder may deliver only
/// while its last renewal is younger than `fence`, and a new holder waits
/// `fence` before its first send; so a cut-off leader has stopped before its
/// successor starts, and two daemons never deliver at once. Claims of outbox
/// rows also check, in the claiming statement, that this connection still
/// holds the lock (`PostgresStore.claimDue`).
public final class PostgresLease: Sendable {
    /// The first key of every Duban advisory lock; the second is the schema's hash.
    static let lockClass: Int32 = 0x4475_6261  // "Duba"
    /// The first key of the lock migrations run under (not the lease's: a leader holds that one for hours).
    static let migrationLockClass: Int32 = 0x4475_626D  // "Dubm"

    /// Who this process is, as the others see it: host and pid.
    public static var instanceName: String { "duban \(ProcessInfo.processInfo.hostName) \(getpid())" }

    /// What the lease loop reports to the daemon.
    public enum Role: Sendable, Equatable {
        /// Holding the lock, allowed to deliver from `since` (after the fence).
        case leader(since: Date)
        /// Holding the lock, waiting out the fence before the first send.
        case takingOver
        /// Another holds it (or nobody could be asked): who, if known.
        case standby(leader: LeaderInfo?)
    }

    /// A daemon as recorded in the `daemon` table.
    public struct LeaderInfo: Sendable, Equatable {
        public var host: String
        public var pid: Int
        public var since: Date
    }

    private struct State {
        var connection: PostgresConnection?
        /// The server process of `connection` (the fencing check in claims).
        var backendPID: Int32?
        var holding = false
        /// Deliveries allowed from (the fence after taking over) until (the fence after the last renewal).
        var validFrom: ContinuousClock.Instant?
        var validUntil: ContinuousClock.Instant?
        var since: Date?
        var closed = false
        /// The background renewal of a command's lease.
        var renewal: Task<Void, Never>?
    }

    let settings: PostgresSettings
    let logger: Logger
    private let state = NIOLockedValueBox(State())

    init(settings: PostgresSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    /// True while this process holds the lock, past the take-over fence, and renewed within `fence`.
    public var mayDeliver: Bool {
        state.withLockedValue { state in
            guard state.holding, let from = state.validFrom, let until = state.validUntil else { return false }
            let now = ContinuousClock.now
            return now >= from && now < until
        }
    }

    /// The backend pid of the lease connection, while it holds the lock.
    var holderBackendPID: Int32? {
        state.withLockedValue { $0.holding ? $0.backendPID : nil }
    }

    /// For a command that delivers (`run --once`, `digest --send`): tries
    /// once to take the lock; when taken, renews it in the background until
    /// `close()` and returns once past the fence (a leader cut off a moment
    /// ago has stopped by then). False when another process leads.
    public func acquireForCommand() async -> Bool {
        do {
            try await step(now: Date(), waitFence: true)
        } catch {
            logger.debug("lease: \(error)")
        }
        guard state.withLockedValue({ $0.holding }) else { return false }
        let renewal = Task { [self] in await run(now: { Date() }, onChange: { _ in }) }
        state.withLockedValue { $0.renewal = renewal }
        while !mayDeliver && state.withLockedValue({ $0.holding }) {
            try? await Task.sleep(for: settings.renewInterval / 4)
        }
        return mayDeliver
    }

    /// Takes and renews the lease until cancelled, telling `onChange` each
    /// time the role changes (and once at the start).
    public func run(now: @escaping @Sendable () -> Date, onChange: @escaping @Sendable (Role) -> Void) async {
        var last: Role?
        while !Task.isCancelled && !state.withLockedValue({ $0.closed }) {
            do {
                try await step(now: now(), waitFence: true)
            } catch {
                let held = state.withLockedValue { $0.holding }
                logger.warning("lease lost or not renewed: \(error)")
                drop()
                if held {
                    // A leader cut off stands back for a fence before competing
                    // again, so the standbys (trying every renewInterval) take over
                    // rather than the one whose connection just failed.
                    try? await Task.sleep(for: settings.fence)
                }
            }
            let role: Role
            if mayDeliver, let since = state.withLockedValue({ $0.holding ? $0.since : nil }) {
                role = .leader(since: since)
            } else if state.withLockedValue({ $0.holding }) {
                role = .takingOver
            } else {
                role = .standby(leader: try? await currentLeader())
            }
            if role != last {
                onChange(role)
                last = role
            }
            do {
                try await Task.sleep(for: settings.renewInterval)
            } catch {
                break
            }
        }
        close()
    }

    /// One renewal (or attempt to take over), bounded by `fence`: a server
    /// that does not answer in time counts as lost.
    private func step(now: Date, waitFence: Bool) async throws {
        let started = ContinuousClock.now
        let fence = settings.fence
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.renew(now: now) }
            group.addTask {
                try await Task.sleep(for: self.settings.fence)
                // Closing the connection fails the query that hangs (and gives the lock up).
                self.drop()
                throw LeaseTimeout()
            }
            try await group.next()
            group.cancelAll()
        }
        state.withLockedValue { state in
            guard state.holding else { return }
            if state.validFrom == nil { state.validFrom = waitFence ? started + fence : started }
            state.validUntil = started + fence
        }
    }

    private struct LeaseConnectionLost: Error, CustomStringConvertible {
        var description: String { "the lease's connection was closed by the server" }
    }

    private struct LeaseTimeout: Error, CustomStringConvertible {
        var description: String { "the database did not answer within the fence" }
    }

    private func renew(now: Date) async throws {
        let connection = try await connect()
        if state.withLockedValue({ $0.holding }) {
            try await connection.query("SELECT 1", logger: logger).collect()
            try await record(connection, role: "leader", now: now)
            return
        }
        let rows = try await connection.query("""
            SELECT pg_try_advisory_lock(\(Self.lockClass), hashtext(\(settings.schema)))
            """, logger: logger).collect()
        let taken = try rows.first?.makeRandomAccess()[0].decode(Bool.self) ?? false
        if taken {
            state.withLockedValue { state in
                state.holding = true
                state.since = now
                state.validFrom = nil
            }
            logger.info("lease taken: this daemon leads")
            // Rows a previous leader marked as leading are stale now.
            try await connection.query("""
                UPDATE daemon SET role = 'standby' WHERE role = 'leader' AND instance <> \(Self.instanceName)
                """, logger: logger).collect()
        }
        try await record(connection, role: taken ? "leader" : "standby", now: now)
    }

    /// The `daemon` row of this process, for `status` and the standbys' STATUS line.
    private func record(_ connection: PostgresConnection, role: String, now: Date) async throws {
        let since = state.withLockedValue { $0.since } ?? now
        try await connection.query("""
            INSERT INTO daemon (instance, host, pid, role, since, seenAt)
            VALUES (\(Self.instanceName), \(ProcessInfo.processInfo.hostName), \(Int(getpid())), \(role), \(since), now())
            ON CONFLICT (instance) DO UPDATE SET role = excluded.role,
                since = CASE WHEN daemon.role = excluded.role THEN daemon.since ELSE excluded.since END, seenAt = now()
            """, logger: logger).collect()
    }

    /// The dedicated connection, opened when missing.
    private func connect() async throws -> PostgresConnection {
        if let connection = state.withLockedValue({ $0.connection }), !connection.isClosed { return connection }
        if state.withLockedValue({ $0.holding }) {
            // The connection that held the lock is gone, and the lock with it:
            // this is a loss (the caller stands back), not a reconnection.
            throw LeaseConnectionLost()
        }
        drop()
        var configuration: PostgresConnection.Configuration
        switch settings.endpoint {
        case .tcp(let host, let port):
            configuration = .init(host: host, port: port, username: settings.username, password: settings.password,
                                  database: settings.database, tls: try Self.connectionTLS(settings.security))
        case .socket(let folder, let port):
            configuration = .init(unixSocketPath: "\(folder)/.s.PGSQL.\(port)", username: settings.username,
                                  password: settings.password, database: settings.database)
        }
        // The server notices a vanished client (a dead machine, a cut network)
        // through keepalives; defaults would take two hours.
        let seconds = max(Int(settings.fence.components.seconds) / 3, 1)
        configuration.options.additionalStartupParameters = [
            ("search_path", settings.schema), ("application_name", Self.instanceName + " lease"),
            ("tcp_keepalives_idle", "\(seconds)"), ("tcp_keepalives_interval", "\(seconds)"), ("tcp_keepalives_count", "3"),
        ]
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        let pid: Int32?
        do {
            pid = try await connection.query("SELECT pg_backend_pid()", logger: logger).collect().first?.makeRandomAccess()[0].decode(Int32.self)
        } catch {
            try? await connection.close()
            throw error
        }
        state.withLockedValue { state in
            state.connection = connection
            state.backendPID = pid
        }
        return connection
    }

    /// A CA file that cannot be read fails the connection (and says so), not the process.
    static func connectionTLS(_ security: PostgresSettings.Security) throws -> PostgresConnection.Configuration.TLS {
        switch security {
        case .plain:
            return .disable
        case .tls(let caFile):
            var tls = TLSConfiguration.makeClientConfiguration()
            if let caFile { tls.trustRoots = .file(caFile) }
            return .require(try NIOSSLContext(configuration: tls))
        }
    }

    /// Forgets the connection and the lock with it (the server releases the
    /// lock when the connection closes).
    private func drop() {
        let connection = state.withLockedValue { state -> PostgresConnection? in
            let connection = state.connection
            if state.holding { logger.warning("lease given up: this daemon stops delivering") }
            state.connection = nil
            state.backendPID = nil
            state.holding = false
            state.validFrom = nil
            state.validUntil = nil
            state.since = nil
            return connection
        }
        // The future's result does not matter: a connection that fails to close is gone too.
        // Kept alive until closed (PostgresNIO insists a connection is closed before it goes).
        if let connection {
            (connection.close() as EventLoopFuture<Void>).whenComplete { _ in withExtendedLifetime(connection) {} }
        }
    }

    /// Closes the connection: the lock is released at once (a clean stop hands over without waiting).
    public func close() {
        let renewal = state.withLockedValue { state -> Task<Void, Never>? in
            state.closed = true
            return state.renewal
        }
        renewal?.cancel()
        drop()
    }

    /// The leader as recorded in `daemon`, through the lease connection.
    public func currentLeader() async throws -> LeaderInfo? {
        guard let connection = state.withLockedValue({ $0.connection }), !connection.isClosed else { return nil }
        let rows = try await connection.query("""
            SELECT host, pid, since FROM daemon WHERE role = 'leader' ORDER BY seenAt DESC LIMIT 1
            """, logger: logger).collect()
        guard let row = rows.first?.makeRandomAccess() else { return nil }
        return LeaderInfo(host: try row[0].decode(String.self), pid: try row[1].decode(Int.self), since: try row[2].decode(Date.self))
    }
}
