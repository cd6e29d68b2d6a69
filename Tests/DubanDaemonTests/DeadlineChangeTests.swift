import DubanConfig
import DubanCore
@testable import DubanDaemon
import DubanStore
import Foundation
import Testing

/// Issue 10, item 3, through the real state database: a deadline corrected
/// into the past between two passes starts its ladder at level 1.
@Suite struct DeadlineChangeTests {
    func snapshot(_ environment: Environment, deadline: LocalDate) -> LedgerSnapshot {
        var snapshot = environment.loadLedger()
        snapshot.tasks = snapshot.tasks.filter { $0.id.rawValue == "T1-1" }
        snapshot.tasks[0].deadline = .by(deadline)
        return snapshot
    }

    @Test func aCorrectionIntoThePastGoesToTheLeaderFirst() async throws {
        let (environment, path) = try exampleEnvironment()
        let database = try DubanDatabase.open(at: path)
        let stage = PlanStage(environment: environment, archivesDigests: false)
        let clock = environment.clock
        // 07-06: the ledger says 2026-12-31 (a typo). Nothing is due.
        let first = try await stage.run(snapshot(environment, deadline: LocalDate("2026-12-31")!), database: database,
                                        now: clock.parse("2026-07-06T09:00")!)
        #expect(first.messages.filter { $0.kind == .escalation }.isEmpty)
        // 07-07: corrected to 06-01, a month ago. Level 1 to the leader, not a level-2 repeat to the principal.
        let second = try await stage.run(snapshot(environment, deadline: LocalDate("2026-06-01")!), database: database,
                                         now: clock.parse("2026-07-07T09:00")!)
        let escalation = try #require(second.messages.first { $0.kind == .escalation })
        #expect(escalation.level == 1)
        #expect(escalation.items.map(\.identity.step) == [1])
        // A restart reads the change back from the database: level 2 follows on 07-13, not at once.
        let restarted = try DubanDatabase.open(at: path)
        let third = try await stage.run(snapshot(environment, deadline: LocalDate("2026-06-01")!), database: restarted,
                                        now: clock.parse("2026-07-08T09:00")!)
        #expect(third.messages.filter { $0.kind == .escalation }.isEmpty)
        #expect(third.next.map { clock.date(of: $0) } == LocalDate("2026-07-13"))
    }

    // The very first pass over a database is a first start, not a change: catch-up as before.
    @Test func aFirstStartIsCatchUp() async throws {
        let (environment, path) = try exampleEnvironment()
        let plan = try await PlanStage(environment: environment, archivesDigests: false)
            .run(snapshot(environment, deadline: LocalDate("2026-06-01")!), database: try DubanDatabase.open(at: path),
                 now: environment.clock.parse("2026-07-07T09:00")!)
        let escalation = try #require(plan.messages.first { $0.kind == .escalation })
        #expect(escalation.items.map(\.identity.step) == [6])
    }
}
