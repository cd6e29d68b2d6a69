import DubanCore
import Foundation
import Testing

/// Issue 12: the loop after 完成 — acceptance repeats, closure, look-back
/// follow-up, rebound and 约谈 — one task, one moment, what is sent. Working
/// days follow the 2026 calendar: 端午 06-19, National Day 10-01…10-07, and
/// the 调休 Saturdays 05-09 and 10-10.
@Suite struct LoopRuleTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var task: RectificationTask
        var loop = Planner.LoopFacts()
        /// Identities already in the log.
        var logged: [String] = []
        var now: String
        var sent: [String]
        var next: String?
        var testDescription: String { name }
    }

    static let leader = Contact(name: "李强", email: "li.qiang@example.org")

    static let cases: [Case] = [
        // First acceptance notice 10 working days after 06-10 (06-19 端午 does not count): 06-25, as before.
        Case(name: "acceptance: first notice", task: task("A", deadline: .by(day("2026-06-30")), status: .completed, completedOn: day("2026-06-10")),
             now: "2026-06-25T09:00", sent: ["A/acceptance/1/2026-06-10"], next: "2026-07-09T09:00:00+08:00"),
        // Still not accepted: repeat 1 ten working days later (07-09), then 07-23 and 08-06.
        Case(name: "acceptance: first repeat", task: task("A", deadline: .by(day("2026-06-30")), status: .completed, completedOn: day("2026-06-10")),
             logged: ["A/acceptance/1/2026-06-10"], now: "2026-07-09T09:00", sent: ["A/acceptance/2/2026-06-10"], next: "2026-07-23T09:00:00+08:00"),
        // At most 3 repeats: after the one of 08-06 nothing more is planned.
        Case(name: "acceptance: last repeat", task: task("A", deadline: .by(day("2026-06-30")), status: .completed, completedOn: day("2026-06-10")),
             logged: ["A/acceptance/1/2026-06-10", "A/acceptance/2/2026-06-10", "A/acceptance/3/2026-06-10"],
             now: "2026-08-06T09:00", sent: ["A/acceptance/4/2026-06-10"], next: nil),
        // A 验收日期 makes it accepted whatever the status word: no acceptance notice, a closure one.
        Case(name: "acceptance: a 验收日期 turns it into closure",
             task: task("A", deadline: .by(day("2026-06-30")), status: .completed, completedOn: day("2026-06-01"), acceptedOn: day("2026-06-10")),
             now: "2026-06-25T09:00", sent: ["A/closure/1/2026-06-10"], next: "2026-07-09T09:00:00+08:00"),
        // Closure: accepted 09-24; 10 working days skip National Day and count the 调休 Saturday 10-10: 10-15.
        Case(name: "closure across National Day", task: task("A", deadline: .by(day("2026-09-30")), status: .accepted, acceptedOn: day("2026-09-24")),
             now: "2026-10-15T09:00", sent: ["A/closure/1/2026-09-24"], next: "2026-10-29T09:00:00+08:00"),
        // Accepted 09-20 (itself a 调休 Sunday): the 10th working day after is the 调休 Saturday 10-10.
        Case(name: "closure on a 调休 Saturday", task: task("A", deadline: .by(day("2026-09-30")), status: .accepted, acceptedOn: day("2026-09-20")),
             now: "2026-10-10T09:00", sent: ["A/closure/1/2026-09-20"], next: "2026-10-23T09:00:00+08:00"),
        // No 验收日期: counted from the day Duban first saw it accepted.
        Case(name: "closure from the day first seen accepted", task: task("A", deadline: .by(day("2026-06-30")), status: .accepted),
             loop: Planner.LoopFacts(firstSeenAccepted: [TaskID("A"): day("2026-06-10")]),
             now: "2026-06-25T09:00", sent: ["A/closure/1/2026-06-10"], next: "2026-07-09T09:00:00+08:00"),
        // Look-back due 10-01 → 10-08; no 回头看日期 10 working days later (10-10 counts): follow-up on 10-21.
        Case(name: "look-back follow-up", task: task("A", deadline: .by(day("2026-06-30")), status: .closed, closedOn: day("2026-07-01")),
             logged: ["A/lookback/1/2026-07-01"], now: "2026-10-21T09:00", sent: ["A/lookback/2/2026-07-01"], next: nil),
        Case(name: "look-back: the follow-up waits for its day", task: task("A", deadline: .by(day("2026-06-30")), status: .closed, closedOn: day("2026-07-01")),
             logged: ["A/lookback/1/2026-07-01"], now: "2026-10-20T09:00", sent: [], next: "2026-10-21T09:00:00+08:00"),
        // A 回头看日期 recorded: no notice, no follow-up.
        Case(name: "look-back recorded", task: task("A", deadline: .by(day("2026-06-30")), status: .closed, closedOn: day("2026-07-01"),
                                                    lookBackOn: day("2026-09-30")),
             now: "2026-10-08T09:00", sent: [], next: nil),
        // 有效 closes the loop for good.
        Case(name: "look-back effective", task: task("A", deadline: .by(day("2026-06-30")), status: .closed, closedOn: day("2026-07-01"),
                                                     lookBackOn: day("2026-10-09"), lookBackResult: .effective),
             now: "2026-10-21T09:00", sent: [], next: nil),
        // 部分有效 is a rebound, on the 回头看日期 (a 调休 Saturday).
        Case(name: "look-back partial is a rebound", task: task("A", deadline: .by(day("2026-06-30")), status: .closed, closedOn: day("2026-07-01"),
                                                              lookBackOn: day("2026-10-10"), lookBackResult: .partial),
             now: "2026-10-10T09:00", sent: ["A/rebound/1/2026-10-10"], next: nil),
        // A result recorded on a holiday: the rebound goes at the next working day's slot.
        Case(name: "rebound result on a holiday", task: task("A", deadline: .by(day("2026-06-30")), status: .closed, closedOn: day("2026-07-01"),
                                                          lookBackOn: day("2026-10-05"), lookBackResult: .rebound),
             now: "2026-10-05T09:00", sent: [], next: "2026-10-08T09:00:00+08:00"),
        // Reopened (seen closed, then 整改中) on the 调休 Sunday 09-20: the rebound, and the ladder restarts
        // at level 1 that day (the deadline passed long ago), level 2 on the 5th working day (09-24).
        Case(name: "reopened task", task: task("A", deadline: .by(day("2026-06-30"))),
             loop: Planner.LoopFacts(reopened: [TaskID("A"): .init(on: day("2026-09-20"), from: .closed, since: day("2026-07-01"))]),
             now: "2026-09-20T09:00", sent: ["A/escalation/1/2026-06-30", "A/rebound/1/2026-09-20"], next: "2026-09-24T09:00:00+08:00"),
        // 约谈: deadline 03-31; level 2 on 04-08 (04-06 清明), repeats 04-15, 04-22, 04-29 and the
        // 调休 Saturday 05-09 (May Day 05-01…05-05); the 约谈 notice 5 working days later, 05-15.
        Case(name: "the ladder does not go quiet after its last repeat", task: task("A", deadline: .by(day("2026-03-31"))),
             logged: (1...6).map { "A/escalation/\($0)/2026-03-31" }, now: "2026-05-14T09:00", sent: [], next: "2026-05-15T09:00:00+08:00"),
        Case(name: "interview after the ladder", task: task("A", deadline: .by(day("2026-03-31"))),
             logged: (1...6).map { "A/escalation/\($0)/2026-03-31" }, now: "2026-05-15T09:00", sent: ["A/interview/1/2026-03-31"], next: nil),
        Case(name: "the last repeat falls on the 调休 Saturday", task: task("A", deadline: .by(day("2026-03-31"))),
             logged: (1...5).map { "A/escalation/\($0)/2026-03-31" }, now: "2026-05-09T09:00", sent: ["A/escalation/6/2026-03-31"],
             next: "2026-05-15T09:00:00+08:00"),
        // Done before its 约谈: nothing.
        Case(name: "no interview once completed", task: task("A", deadline: .by(day("2026-03-31")), status: .completed, completedOn: day("2026-05-12")),
             logged: (1...6).map { "A/escalation/\($0)/2026-03-31" }, now: "2026-05-15T09:00", sent: [], next: "2026-05-26T09:00:00+08:00"),
    ]

    @Test(arguments: cases)
    func rule(_ c: Case) {
        let log = Set(c.logged.map { NotificationIdentity(key: $0)! })
        let plan = makePlanner().plan(LedgerSnapshot(tasks: [c.task]), log: log, loop: c.loop, now: at(c.now))
        #expect(plan.sent == c.sent)
        #expect(plan.next.map(shanghai.iso) == c.next)
    }

    /// Who receives each kind (defaults: office, principal 王书记, discipline when configured).
    @Test func recipients() {
        let discipline = Contact(name: "纪委", email: "jiwei@example.org")
        let planner = Planner(calendar: calendar2026, policy: Policy(), chain: Chain(office: office, principal: principal, discipline: discipline),
                              clock: shanghai, feedbackDate: nil)
        let completed = task("C", deadline: .by(day("2026-06-30")), status: .completed, completedOn: day("2026-06-10"))
        // First acceptance notice: the office alone; from the first repeat the leader is cc'd.
        let first = planner.plan(LedgerSnapshot(tasks: [completed]), log: [], now: at("2026-06-25T09:00")).messages[0]
        #expect(first.to == [office] && first.cc.isEmpty)
        let repeated = planner.plan(LedgerSnapshot(tasks: [completed]), log: [NotificationIdentity(key: "C/acceptance/1/2026-06-10")!],
                                    now: at("2026-07-09T09:00")).messages[0]
        #expect(repeated.to == [office] && repeated.cc == [Self.leader])
        // Rebound: the office, cc the principal and the leader.
        let reopened = Planner.LoopFacts(reopened: [TaskID("R"): .init(on: day("2026-09-21"), from: .closed, since: day("2026-07-01"))])
        let rebound = planner.plan(LedgerSnapshot(tasks: [task("R", deadline: .by(day("2026-12-31")))]), log: [], loop: reopened,
                                   now: at("2026-09-21T09:00")).messages.first { $0.kind == .rebound }!
        #expect(rebound.to == [office] && rebound.cc == [principal, Self.leader])
        // 约谈: the principal, cc the office and 纪检.
        let interview = planner.plan(LedgerSnapshot(tasks: [task("I", deadline: .by(day("2026-03-31")))]),
                                     log: Set((1...6).map { NotificationIdentity(key: "I/escalation/\($0)/2026-03-31")! }),
                                     now: at("2026-05-15T09:00")).messages[0]
        #expect(interview.kind == .interview && interview.to == [principal] && interview.cc == [office, discipline])
    }

    /// Nobody silently missing: a Cc without an address means the office
    /// really receives the message (as Cc, someone else is To), and the
    /// message names who could not be reached.
    @Test func aCcWithoutAnAddressBringsTheOfficeIn() {
        let noMail = task("A", deadline: .by(day("2026-06-30")), officer: Contact(name: "孙丽"))
        let message = makePlanner().plan(LedgerSnapshot(tasks: [noMail]), log: [], now: at("2026-07-01T09:00")).messages[0]
        #expect(message.kind == .escalation && message.to == [Self.leader])
        #expect(message.cc == [office])
        #expect(message.unreachable == [UnreachablePerson(role: .officer, name: "孙丽")])
        // A leader without an address on level 2 (cc): the office is copied too.
        let noLeaderMail = task("B", deadline: .by(day("2026-06-30")), leader: Contact(name: "赵敏"))
        let level2 = makePlanner().plan(LedgerSnapshot(tasks: [noLeaderMail]), log: [NotificationIdentity(key: "B/escalation/1/2026-06-30")!],
                                        now: at("2026-07-07T09:00")).messages[0]
        #expect(level2.level == 2 && level2.to == [principal] && level2.cc.contains(office))
        #expect(level2.unreachable == [UnreachablePerson(role: .leader, name: "赵敏")])
    }

    /// Catch-up: of acceptance repeats and look-back steps due at once only the latest goes out.
    @Test func catchUpSendsTheLatestStepOfEachKind() {
        let completed = task("A", deadline: .by(day("2026-06-30")), status: .completed, completedOn: day("2026-06-10"))
        let closed = task("B", deadline: .by(day("2026-06-30")), status: .closed, closedOn: day("2026-07-01"))
        let overdue = task("C", deadline: .by(day("2026-03-31")))
        let plan = makePlanner().plan(LedgerSnapshot(tasks: [completed, closed, overdue]), log: [], now: at("2026-10-22T10:00"))
        #expect(plan.sent == ["A/acceptance/4/2026-06-10", "B/lookback/2/2026-07-01", "C/interview/1/2026-03-31"])
        let skipped = Dictionary(grouping: plan.skipped, by: \.reason).mapValues { $0.map(\.identity.key).sorted() }
        #expect(skipped[.supersededByLaterStep] == ["A/acceptance/1/2026-06-10", "A/acceptance/2/2026-06-10", "A/acceptance/3/2026-06-10",
                                                    "B/lookback/1/2026-07-01"])
        #expect(skipped[.supersededByInterview] == (1...6).map { "C/escalation/\($0)/2026-03-31" })
    }

    /// The facts the store's status sightings give, oldest first.
    @Test func factsFromStatusSightings() {
        func facts(_ sightings: [(TaskStatus, String)]) -> Planner.LoopFacts {
            Planner.LoopFacts(history: [TaskID("A"): sightings.map { Planner.StatusSighting(status: $0.0, on: day($0.1)) }])
        }
        // Closed, then open again: a reopening from closed.
        #expect(facts([(.inProgress, "2026-06-01"), (.closed, "2026-07-01"), (.inProgress, "2026-08-03")]).reopened[TaskID("A")]
                == .init(on: day("2026-08-03"), from: .closed, since: day("2026-07-01")))
        // Accepted, back to 已完成, then open: still a reopening from accepted.
        #expect(facts([(.accepted, "2026-06-01"), (.completed, "2026-06-05"), (.notStarted, "2026-06-10")]).reopened[TaskID("A")]
                == .init(on: day("2026-06-10"), from: .accepted, since: day("2026-06-01")))
        // Completed then open is not a rebound (it was never accepted).
        #expect(facts([(.completed, "2026-06-01"), (.inProgress, "2026-06-10")]).reopened.isEmpty)
        // The first sighting is never a reopening.
        #expect(facts([(.inProgress, "2026-06-01")]).reopened.isEmpty)
        // Re-closed after a reopening: the reopening is remembered (its notice is still owed once).
        let again = facts([(.closed, "2026-07-01"), (.inProgress, "2026-08-03"), (.closed, "2026-09-01")])
        #expect(again.reopened[TaskID("A")]?.on == day("2026-08-03"))
        // Accepted since 06-01: that is the day first seen accepted; a later status change resets it.
        #expect(facts([(.completed, "2026-05-01"), (.accepted, "2026-06-01")]).firstSeenAccepted[TaskID("A")] == day("2026-06-01"))
        #expect(facts([(.accepted, "2026-06-01"), (.completed, "2026-06-05")]).firstSeenAccepted.isEmpty)
    }
}
