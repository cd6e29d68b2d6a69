public import Foundation
import DubanTOML
import TOMLKit

extension Configuration {
    /// `[state]`: where Duban remembers what it sent.
    public struct State: Sendable {
        /// The SQLite state database (notification log, outbox, snapshots).
        /// Default `/var/lib/duban/duban.sqlite` (systemd's StateDirectory).
        public var path: URL
        /// Days the MIME body of a sent message is kept (`keep_bodies_days`, default 90).
        public var keepBodiesDays: Int = 90

        public static let defaultPath = "/var/lib/duban/duban.sqlite"

        static func read(from root: TOMLTable, _ checker: inout TOMLChecker) -> State {
            var state = State(path: URL(fileURLWithPath: defaultPath))
            if let table = checker.table(root, "state", in: "") {
                if let path = checker.paths(table, "path", in: "state").first { state.path = path }
                if let days = checker.int(table, "keep_bodies_days", in: "state", range: 1...36_500) { state.keepBodiesDays = days }
                checker.allow(table, in: "state", keys: ["path", "keep_bodies_days"])
            }
            return state
        }
    }
}
