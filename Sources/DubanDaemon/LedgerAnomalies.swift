public import DubanCore
public import DubanStore
public import Foundation

extension Environment {
    /// The reads kept in the state database up to `now`, each on its local day.
    public func earlierReads(_ database: DubanDatabase, now: Date) async throws -> [LedgerRead] {
        try await database.storedReads(upTo: now).map { LedgerRead(day: clock.date(of: $0.takenAt), snapshot: $0.snapshot) }
    }
}
