import DubanCore
@testable import DubanStore
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

        // Day n is n days after t0's day: the trail keeps the days it was given.
        let start = LocalDate(year: 2026, month: 6, day: 1)!
        let day: @Sendable (Date) -> LocalDate = { start.adding(days: Int($0.timeIntervalSince(t0) / 86_400)) }
        let trail = try await database.ledgerTrail(upTo: t0.addingTimeInterval(10 * 86_400), today: start.adding(days: 10), day: day)
        #expect(trail.reads == 3 && trail.since == start && trail.undecodable == 0)
        // W1 and W2 are gone from a ledger holding only L, the later one was never read.
        let now = LedgerSnapshot(tasks: [snapshot("L").tasks[0], RectificationTask(id: TaskID("X"), idIsExplicit: true, problemNumber: "1", source: SourceLocation(file: "l.csv", row: 3))])
        let gone = LedgerHistory.compare(trail, current: now)
        #expect(gone.map(\.task) == [TaskID("W2"), TaskID("W1")], "\(gone)")
        #expect(gone.map { $0.message.contains("at the read of \(start.adding(days: 7))") } == [true, false])
    }

    /// A stored read that no longer decodes is counted, not silently dropped.
    @Test func anUndecodableSnapshotIsCounted() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("duban-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("duban.sqlite")
        let database = try DubanDatabase.open(at: path)
        let t0 = Date(timeIntervalSince1970: 1_780_000_000)
        try await database.saveSnapshot(snapshot("W1"), for: .digest(ISOWeek("2026-W23")!), at: t0)
        try await database.saveSnapshot(snapshot("W2"), for: .digest(ISOWeek("2026-W24")!), at: t0.addingTimeInterval(7 * 86_400))
        // Damaged from outside, as a disk or another program would.
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        python.arguments = ["-c", "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute(\"UPDATE ledgerSnapshot SET payload = x'7b7d' WHERE key = '2026-W23'\"); db.commit()", path.path]
        try python.run()
        python.waitUntilExit()
        try #require(python.terminationStatus == 0)
        let start = LocalDate(year: 2026, month: 6, day: 1)!
        let trail = try await database.ledgerTrail(upTo: t0.addingTimeInterval(10 * 86_400), today: start.adding(days: 10), day: { _ in start })
        #expect(trail.reads == 1 && trail.undecodable == 1)
    }

    /// A snapshot written before `coOfficers` and `columns` existed still decodes.
    @Test func aSnapshotFromBeforeTheNewFieldsStillDecodes() throws {
        let old = #"{"diagnostics":[],"problems":[],"tasks":[{"acceptanceCriterion":"","checkpoints":[],"deadline":{"kind":"missing"},"deadlineText":"","department":"","evidence":"","id":"T1","idIsExplicit":true,"measure":"","problemNumber":"1","progress":"","remarks":"","source":{"file":"l.csv","row":2},"status":"in_progress","statusText":""}]}"#
        let decoder = JSONDecoder.duban
        let snapshot = try decoder.decode(LedgerSnapshot.self, from: Data(old.utf8))
        #expect(snapshot.tasks[0].coOfficers.isEmpty && snapshot.columns.isEmpty)
    }
}
