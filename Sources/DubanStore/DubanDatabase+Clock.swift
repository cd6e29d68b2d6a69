public import Foundation
import GRDB

extension DubanDatabase {
    /// Pulls pending retries scheduled later than `now + retryMaxSeconds` in
    /// to `now`, and returns how many it moved.
    ///
    /// No backoff is longer than `retry_max_seconds`, so a retry further out
    /// than that was scheduled by a clock that has since been stepped back
    /// (NTP, a restored VM): left alone it would wait for the size of the
    /// step. A later retry time is otherwise never written, so the update is
    /// a no-op on an honest clock and safe to run at every pass.
    @discardableResult
    public func rebaseRetries(now: Date, retryMaxSeconds: Int) async throws(StoreError) -> Int {
        let latest = now.addingTimeInterval(TimeInterval(retryMaxSeconds))
        return try await write("pulling in retries a clock step pushed out") { db in
            try OutboxEntry
                .filter(OutboxEntry.Columns.state == OutboxState.pending)
                .filter(OutboxEntry.Columns.nextAttemptAt > latest)
                .updateAll(db, OutboxEntry.Columns.nextAttemptAt.set(to: now))
        }
    }
}
