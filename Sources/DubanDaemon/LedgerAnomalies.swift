public import DubanCore
public import DubanStore
import DubanConfig
public import Foundation

extension Environment {
    /// The reads kept in the state database up to `now`, each on its local day.
    public func earlierReads(_ database: DubanDatabase, now: Date) async throws -> [LedgerRead] {
        try await database.storedReads(upTo: now).map { LedgerRead(day: clock.date(of: $0.takenAt), snapshot: $0.snapshot) }
    }

    /// The 台账异常 of `snapshot` at `now`: this read's, and (with a state
    /// database) what the stored reads show. A database that cannot be read
    /// leaves only this read's findings.
    public func ledgerAnomalies(_ snapshot: LedgerSnapshot, database: DubanDatabase?, now: Date) async -> [LedgerAnomaly] {
        var earlier: [LedgerRead] = []
        if let database { earlier = (try? await earlierReads(database, now: now)) ?? [] }
        return LedgerAudit.findings(snapshot, earlier: earlier, today: clock.date(of: now),
                                    requireEvidence: configuration.ledger.requireEvidence)
    }
}
