import DubanTOML
import TOMLKit

extension Configuration {
    /// `[delivery]`: retries and batching.
    public struct Delivery: Sendable {
        /// First retry after this many seconds (default 60), doubling each time …
        public var retryInitialSeconds: Int
        /// … up to this many seconds between attempts (default 3600).
        public var retryMaxSeconds: Int
        /// A message still failing this many hours after it was queued is
        /// marked failed and reported (default 48). It is kept, never deleted.
        public var giveUpAfterHours: Int
        /// Messages per connection (default 100).
        public var batchSize: Int

        public init(retryInitialSeconds: Int = 60, retryMaxSeconds: Int = 3600, giveUpAfterHours: Int = 48, batchSize: Int = 100) {
            self.retryInitialSeconds = retryInitialSeconds
            self.retryMaxSeconds = retryMaxSeconds
            self.giveUpAfterHours = giveUpAfterHours
            self.batchSize = batchSize
        }

        static func read(from root: TOMLTable, _ checker: inout TOMLChecker) -> Delivery {
            var delivery = Delivery()
            guard let table = checker.table(root, "delivery", in: "") else { return delivery }
            if let n = checker.int(table, "retry_initial_seconds", in: "delivery", range: 1...86_400) { delivery.retryInitialSeconds = n }
            if let n = checker.int(table, "retry_max_seconds", in: "delivery", range: 1...86_400) { delivery.retryMaxSeconds = n }
            if let n = checker.int(table, "give_up_after_hours", in: "delivery", range: 1...24 * 60) { delivery.giveUpAfterHours = n }
            if let n = checker.int(table, "batch_size", in: "delivery", range: 1...10_000) { delivery.batchSize = n }
            checker.allow(table, in: "delivery", keys: ["retry_initial_seconds", "retry_max_seconds", "give_up_after_hours", "batch_size"])
            return delivery
        }
    }
}
