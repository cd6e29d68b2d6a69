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

extension TaskIDUpgradeTests {
    /// What the newer tables remember under a task's id moves with it: a
    /// pending 延期 request keeps the day it was first read (so its pause
    /// still lapses on time), a due-date change and the loop's status and
    /// deadline sightings keep their days.
    @Test func extensionAndLoopHistoryFollowTheTasks() async throws {
        let (environment, path) = try exampleEnvironment()
        var (old, new) = ledgers(environment)
        let clock = environment.clock
        let stage = PlanStage(environment: environment, archivesDigests: false)
        let pending = try #require(environment.loadLedger().tasks.firstIndex { $0.id.rawValue == "T1-1" })
        let accepted = pending == 0 ? 1 : 0
        // A task with a due date gets another one on 07-02.
        let due = environment.planner.dueDates(old)
        let moved = try #require(old.tasks.indices.first { ![pending, accepted].contains($0) && due[old.tasks[$0].id] != nil })
        func edit(_ index: Int, _ change: (inout RectificationTask) -> Void) {
            change(&old.tasks[index])
            change(&new.tasks[index])
        }
        // T1-1, due 06-30: its officer asks for time, first read on 07-01.
        edit(pending) { task in
            task.statusText = "申请延期"
            task.deadlineExtension = DeadlineExtension(requested: true, newDeadline: LocalDate("2026-09-30"), reason: "设备未到货")
        }
        // Another is accepted without a 验收日期: the loop counts from the first read that saw it so.
        edit(accepted) { task in
            task.status = .accepted
            task.statusText = "已验收"
            task.acceptedOn = nil
        }
        // The old release reads on 07-01, then on 07-02 with that deadline typed over.
        let database = try DubanDatabase.open(at: path)
        try await stage.run(old, database: database, now: clock.parse("2026-07-01T09:00")!)
        edit(moved) { $0.deadline = .by(LocalDate("2027-03-31")!) }
        try await stage.run(old, database: database, now: clock.parse("2026-07-02T09:00")!)
        try await database.saveLastGood(old, at: clock.parse("2026-07-02T09:00")!)

        // The new release's first pass is on 07-15, the 10th working day after 07-01: the pause has lapsed.
        let today = LocalDate("2026-07-15")!
        try await TaskIDUpgrade.adopt(current: new, database: database)
        let extensions = try await database.extensionFacts(new, today: today)
        #expect(extensions.pendingSince[new.tasks[pending].id] == LocalDate("2026-07-01"))
        let changes = try await database.deadlineChanges(seenSince: LocalDate("2026-07-01")!)
        #expect(changes.map(\.task) == [new.tasks[moved].id.rawValue])
        // The due date last read is known under the new id: typed over again, it is an unapproved change from 2027-03-31.
        var retyped = new
        retyped.tasks[moved].deadline = .by(LocalDate("2027-04-30")!)
        let unapproved = try await database.unapprovedDueDateChanges(retyped, dueDates: environment.planner.dueDates(retyped))
        #expect(unapproved.map { "\($0.task.id) \($0.from)" } == ["\(new.tasks[moved].id) 2027-03-31"])
        let loop = try await database.loopFacts(new, dueDates: environment.planner.deadlineRecord(new), today: today)
        #expect(loop.firstSeenAccepted[new.tasks[accepted].id] == LocalDate("2026-07-01"))
        let sightings = try await database.deadlineHistory(for: new.tasks.map(\.id))
        for task in new.tasks {
            #expect(sightings[task.id]?.first?.seenOn == LocalDate("2026-07-01"), "\(task.id)")
        }
        #expect(sightings[new.tasks[moved].id]?.map(\.deadline).last == "2027-03-31")
        let after = try await stage.run(new, database: database, now: clock.parse("2026-07-15T09:00")!)
        #expect(after.messages.contains { $0.kind == .escalation && $0.level == 2 && $0.items.contains { $0.task.id == new.tasks[pending].id } })
    }
}
