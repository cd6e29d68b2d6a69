public import DubanCore
public import Foundation
import GRDB

/// The stored reads the 台账异常 comparison looks back at (`LedgerHistory`):
/// every kept ledger snapshot, the weekly digest ones and the last good read.
extension DubanDatabase {
    /// The snapshots taken at or before `now`, oldest first, reduced to a
    /// `LedgerTrail` one at a time (a cursor: never all snapshots decoded at
    /// once). A snapshot that no longer decodes (written by a much older
    /// Duban, or damaged) is counted in `undecodable`, not silently dropped.
    public func ledgerTrail(upTo now: Date, today: LocalDate, day: @escaping @Sendable (Date) -> LocalDate)
        async throws(StoreError) -> LedgerTrail {
        try await read("reading the stored ledger snapshots") { db in
            var trail = LedgerTrail(upTo: today)
            let records = try SnapshotRecord.filter(SnapshotRecord.Columns.takenAt <= now)
                .order(SnapshotRecord.Columns.takenAt, SnapshotRecord.Columns.id).fetchCursor(db)
            while let record = try records.next() {
                guard let snapshot = try? self.decodeSnapshot(record.payload) else {
                    trail.undecodable += 1
                    continue
                }
                trail.add(day: day(record.takenAt), snapshot)
            }
            return trail
        }
    }
}
