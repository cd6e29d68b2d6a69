import DubanConfig
import DubanCore
@testable import DubanDaemon
import DubanStore
import Foundation
import Testing

/// Upgrading from position-derived task ids (`1-1`) to content-derived ones
/// (`P1-…`) must not send anything twice (issue 10, item 8).
@Suite struct TaskIDUpgradeTests {
    /// The example ledger as a release without 任务编号 saw it: ids by position.
    func ledgers(_ environment: Environment) -> (old: LedgerSnapshot, new: LedgerSnapshot) {
        var old = environment.loadLedger(), new = old
        var positions: [String: Int] = [:]
        for index in old.tasks.indices {
            let problem = old.tasks[index].problemNumber
            positions[problem, default: 0] += 1
            old.tasks[index].idIsExplicit = false
            old.tasks[index].id = TaskID("\(problem)-\(positions[problem]!)")
            new.tasks[index].idIsExplicit = false
            new.tasks[index].id = TaskID("P\(problem)-" + String(format: "%08x", 0xab00 + index))
        }
        return (old, new)
    }

    @Test func historyFollowsTheTasksToTheirNewIds() async throws {
        let (environment, path) = try exampleEnvironment()
        let (old, new) = ledgers(environment)
        let stage = PlanStage(environment: environment, archivesDigests: false)
        let now = environment.clock.parse("2026-07-07T09:00")!
        // The old release: its pass logs escalations under 1-1 …, and keeps its last good ledger.
        let database = try DubanDatabase.open(at: path)
        let before = try await stage.run(old, database: database, now: now)
        #expect(before.messages.contains { $0.kind == .escalation })
        try await database.saveLastGood(old, at: now)

        // The new release reads the same ledger with new ids: nothing is due again.
        let after = try await stage.run(new, database: try DubanDatabase.open(at: path), now: now.addingTimeInterval(60))
        #expect(after.messages.filter { $0.kind != .digest }.isEmpty)
        // And the stored copy now speaks the new ids, so a fallback to it sends nothing either.
        let stored = try #require(try await database.lastGoodSnapshot())
        #expect(Set(stored.tasks.map(\.id)) == Set(new.tasks.map(\.id)))
        let fallback = try await stage.run(stored, database: database, now: now.addingTimeInterval(120))
        #expect(fallback.messages.filter { $0.kind != .digest }.isEmpty)
    }

    // While only the old stored copy is at hand (the ledger unreadable at start), nothing moves yet.
    @Test func aFallbackToTheOldCopyWaitsForANewRead() async throws {
        let (environment, path) = try exampleEnvironment()
        let (old, _) = ledgers(environment)
        let database = try DubanDatabase.open(at: path)
        try await TaskIDUpgrade.adopt(current: old, database: database)
        #expect(try await database.meta("task_id_scheme") == nil)
    }
}
