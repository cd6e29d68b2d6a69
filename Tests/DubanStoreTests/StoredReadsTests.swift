import DubanCore
import DubanStore
import Foundation
import Testing

/// Issue 13: the thin read behind 台账异常's history: every kept snapshot up
/// to a moment, oldest first, with the moment it was taken.
@Suite struct StoredReadsTests {
    func database() throws -> DubanDatabase {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("duban-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return try DubanDatabase.open(at: folder.appendingPathComponent("duban.sqlite"))
    }

    func snapshot(_ id: String) -> LedgerSnapshot {
        LedgerSnapshot(tasks: [RectificationTask(id: TaskID(id), idIsExplicit: true, problemNumber: "1", source: SourceLocation(file: "l.csv", row: 2))])
    }

    @Test func digestAndLastGoodSnapshotsComeBackOldestFirstUpToNow() async throws {
        let database = try database()
        let t0 = Date(timeIntervalSince1970: 1_780_000_000)
        try await database.saveSnapshot(snapshot("W2"), for: .digest(ISOWeek("2026-W24")!), at: t0.addingTimeInterval(7 * 86_400))
        try await database.saveSnapshot(snapshot("W1"), for: .digest(ISOWeek("2026-W23")!), at: t0)
        try await database.replaceSnapshot(snapshot("L"), for: .lastGood, at: t0.addingTimeInterval(8 * 86_400))
        try await database.saveSnapshot(snapshot("LATER"), for: .digest(ISOWeek("2026-W26")!), at: t0.addingTimeInterval(21 * 86_400))

        let reads = try await database.storedReads(upTo: t0.addingTimeInterval(10 * 86_400))
        #expect(reads.map { $0.snapshot.tasks[0].id.rawValue } == ["W1", "W2", "L"])
        #expect(reads.map(\.takenAt) == [t0, t0.addingTimeInterval(7 * 86_400), t0.addingTimeInterval(8 * 86_400)])
    }

    /// A snapshot written before `coOfficers` and `columns` existed still decodes.
    @Test func aSnapshotFromBeforeTheNewFieldsStillDecodes() throws {
        let old = #"{"diagnostics":[],"problems":[],"tasks":[{"acceptanceCriterion":"","checkpoints":[],"deadline":{"kind":"missing"},"deadlineText":"","department":"","evidence":"","id":"T1","idIsExplicit":true,"measure":"","problemNumber":"1","progress":"","remarks":"","source":{"file":"l.csv","row":2},"status":"in_progress","statusText":""}]}"#
        let decoder = JSONDecoder()
        let snapshot = try decoder.decode(LedgerSnapshot.self, from: Data(old.utf8))
        #expect(snapshot.tasks[0].coOfficers.isEmpty && snapshot.columns.isEmpty)
    }
}
