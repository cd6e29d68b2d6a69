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
            var reads = StoredReads(upTo: today)
            let records = try SnapshotRecord.filter(SnapshotRecord.Columns.takenAt <= now)
                .order(SnapshotRecord.Columns.takenAt, SnapshotRecord.Columns.id).fetchCursor(db)
            while let record = try records.next() {
                reads.add(day: day(record.takenAt), record.payload) { payload throws(StoreError) in try self.decodeSnapshot(payload) }
            }
            return reads.trail
        }
    }
}

/// Stored reads reduced to a `LedgerTrail` one at a time, as both stores
/// stream them. A read stored with the same bytes as the one before it (the
/// ledger unchanged between a digest and the next, or the last good read)
/// is the same snapshot: it is added again without being decoded again.
/// Only the previous payload and its snapshot are held, and the snapshot is
/// let go before a different payload is decoded, so at most one decoded
/// snapshot is in memory.
public struct StoredReads {
    public private(set) var trail: LedgerTrail
    private var previous: (payload: Data, snapshot: LedgerSnapshot)?

    public init(upTo today: LocalDate) {
        trail = LedgerTrail(upTo: today)
    }

    /// Adds the read stored as `payload`; one that does not decode is counted
    /// in the trail's `undecodable`, not silently dropped.
    public mutating func add(day: LocalDate, _ payload: Data,
                             decode: (Data) throws(StoreError) -> LedgerSnapshot) {
        if let previous, previous.payload == payload {
            trail.add(day: day, previous.snapshot)
            return
        }
        previous = nil
        guard let snapshot = try? decode(payload) else {
            trail.undecodable += 1
            return
        }
        previous = (payload, snapshot)
        trail.add(day: day, snapshot)
    }
}
