public import DubanStore
public import Foundation
import PostgresNIO

// The daemons sharing this schema, as each last reported itself through its
// lease connection (`PostgresLease.record`): what `status` shows.
extension PostgresStore {
    /// One daemon: leading or standing by, since when, last seen when.
    public struct DaemonRecord: Sendable, Equatable {
        public var host: String
        public var pid: Int
        /// `leader` or `standby`.
        public var role: String
        public var since: Date
        public var seenAt: Date
    }

    /// The daemons seen within `within` (default: twice the failover time),
    /// the leader first.
    public func daemons(within: Duration? = nil) async throws(StoreError) -> [DaemonRecord] {
        let seconds = Double((within ?? settings.failover * 2).components.seconds)
        return try await read("reading the daemons") { [logger] connection in
            try await Self.rows(connection, """
                SELECT host, pid, role, since, seenAt FROM daemon WHERE seenAt > now() - make_interval(secs => \(seconds))
                ORDER BY role = 'leader' DESC, since
                """, logger: logger).map { row in
                DaemonRecord(host: try row[0].decode(String.self), pid: try row[1].decode(Int.self), role: try row[2].decode(String.self),
                             since: try row[3].decode(Date.self), seenAt: try row[4].decode(Date.self))
            }
        }
    }

    /// The current leader, if one was seen recently.
    public func leader() async throws(StoreError) -> DaemonRecord? {
        try await daemons().first { $0.role == "leader" }
    }
}

extension PostgresStore {
    /// The schema this store works in.
    public var settingsSchema: String { settings.schema }
}
