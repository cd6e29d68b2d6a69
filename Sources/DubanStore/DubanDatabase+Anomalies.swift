public import DubanCore
public import Foundation
import GRDB

/// The stored reads the 台账异常 comparison looks back at (`LedgerHistory`):
/// every kept ledger snapshot, the weekly digest ones and the last good read.
extension DubanDatabase {
    /// The snapshots taken at or before `now`, oldest first. A snapshot that
    /// no longer decodes (written by a much older Duban) is passed over: it
    /// is history, not today's ledger.
    public func storedReads(upTo now: Date) async throws(StoreError) -> [(takenAt: Date, snapshot: LedgerSnapshot)] {
        try await read("reading the stored ledger snapshots") { db in
            let records = try SnapshotRecord.filter(SnapshotRecord.Columns.takenAt <= now)
                .order(SnapshotRecord.Columns.takenAt, Column("id")).fetchAll(db)
            return records.compactMap { record in
                (try? JSONDecoder.duban.decode(LedgerSnapshot.self, from: record.payload)).map { (record.takenAt, $0) }
            }
        }
    }
}
