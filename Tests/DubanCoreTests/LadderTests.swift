import DubanCore
import Foundation
import Testing

/// Who the escalation ladder reaches and when it starts: the two faults the
/// hostile review found in it (issue 10, items 3 and 9).
@Suite struct LadderTests {
    /// Plans slot after slot like the daemon, with `changes` as the store
    /// would report them, and returns every escalation step sent with its day.
    func escalations(_ snapshot: LedgerSnapshot, changes: Planner.DeadlineChanges, from start: String, to end: String)
        -> [(day: String, step: Int)] {
        let planner = makePlanner()
        var log = Set<NotificationIdentity>()
        var sent: [(String, Int)] = []
        var now = at(start)
        while now <= at(end) {
            let plan = planner.plan(snapshot, log: log, deadlineChanges: changes, now: now)
            for item in plan.messages.flatMap(\.items) {
                log.insert(item.identity)
                if item.identity.kind == .escalation { sent.append((shanghai.date(of: now).description, item.identity.step)) }
            }
            log.formUnion(plan.skipped.map(\.identity))
            guard let next = plan.next, next > now else { break }
            now = next
        }
        return sent
    }

    // A deadline typed as 2026-12-31 and corrected the next day (07-07) to 06-01: its level-1
    // day (06-02) passed before Duban could know it. Downtime catch-up would jump straight to
    // the principal; a changed deadline starts at level 1 on the day of the change, and level 2
    // follows level_2_after − level_1_after working days later, as for any deadline.
    @Test func aDeadlineCorrectedIntoThePastStartsAtLevelOne() {
        let corrected = LedgerSnapshot(tasks: [task("A", deadline: .by(day("2026-06-01")))])
        let sent = escalations(corrected, changes: [TaskID("A"): day("2026-07-07")], from: "2026-07-07T09:00", to: "2026-08-31T18:00")
        #expect(sent.first?.day == "2026-07-07")
        #expect(sent.first?.step == 1)
        // 07-08, 09, 10, 13: level 2 on the 4th working day after level 1, like 5 − 1 after a deadline.
        #expect(sent.dropFirst().first.map { "\($0.day) L\($0.step)" } == "2026-07-13 L2")
        // Every step goes out once, in order, and none is skipped for being "late".
        #expect(sent.map(\.step) == [1, 2, 3, 4, 5, 6])
    }

    // The same ledger without a recorded change is downtime (or a first start): only the
    // highest step due goes out, as the catch-up rule says.
    @Test func withoutAChangeItIsCatchUp() {
        let snapshot = LedgerSnapshot(tasks: [task("A", deadline: .by(day("2026-06-01")))])
        let plan = makePlanner().plan(snapshot, log: [], now: at("2026-07-07T09:00"))
        #expect(plan.messages.flatMap(\.items).map(\.identity.step) == [6])
    }

    // A change seen before the level-1 day moves nothing: the ladder was never at risk.
    @Test func aChangeBeforeLevelOneKeepsTheLadder() {
        let snapshot = LedgerSnapshot(tasks: [task("A", deadline: .by(day("2026-07-06")))])
        let sent = escalations(snapshot, changes: [TaskID("A"): day("2026-07-03")], from: "2026-07-03T09:00", to: "2026-07-14T18:00")
        #expect(sent.map { "\($0.day) L\($0.step)" } == ["2026-07-07 L1", "2026-07-13 L2"])
    }

    // 张伟 supervises himself: a level-1 escalation "to the leader" would only remind him again.
    // It goes one step up, to the principal, with the officer in copy; and the plan warns.
    @Test func anOfficerWhoIsTheirOwnLeaderIsSkipped() {
        let zhang = Contact(name: "张伟", email: "Zhang.Wei@example.org")
        let snapshot = LedgerSnapshot(tasks: [task("A", deadline: .by(day("2026-06-30")), officer: zhang,
                                                   leader: Contact(name: "张伟", email: "zhang.wei@example.org"))])
        let plan = makePlanner().plan(snapshot, log: [], now: at("2026-07-01T09:00"))
        let message = try! #require(plan.messages.first)
        #expect(message.level == 1)
        #expect(message.to == [principal])
        #expect(message.cc.map(\.email) == ["Zhang.Wei@example.org"])
        #expect(plan.warnings.contains { $0.contains("own supervising leader") && $0.contains("A (张伟)") })
    }

    // When the officer is the principal too, the office is the only one above.
    @Test func aPrincipalWhoIsTheOfficerEscalatesToTheOffice() {
        let snapshot = LedgerSnapshot(tasks: [task("A", deadline: .by(day("2026-06-30")), officer: principal, leader: principal)])
        let plan = makePlanner().plan(snapshot, log: [], now: at("2026-07-01T09:00"))
        #expect(plan.messages.first?.to == [office])
        let level2 = makePlanner().plan(snapshot, log: [], now: at("2026-07-07T09:00"))
        #expect(level2.messages.first?.level == 2)
        #expect(level2.messages.first?.to == [office])
    }

    // Without an address on either side, the same name is the same person.
    @Test func sameNameWithoutAddressIsTheSamePerson() {
        let snapshot = LedgerSnapshot(tasks: [task("A", deadline: .by(day("2026-06-30")), officer: Contact(name: "孙丽"),
                                                   leader: Contact(name: "孙丽"))])
        #expect(makePlanner().selfSupervisedTasks(snapshot).map(\.id) == [TaskID("A")])
        let other = LedgerSnapshot(tasks: [task("A", deadline: .by(day("2026-06-30")))])
        #expect(makePlanner().selfSupervisedTasks(other).isEmpty)
    }
}
