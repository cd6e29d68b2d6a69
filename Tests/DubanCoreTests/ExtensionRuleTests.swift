import DubanCore
import Foundation
import Testing

/// Issue 13, 延期: a pending request pauses escalation above level 1, the
/// office hears of it and again every 5 working days, the pause lapses after
/// `max_pending_days`, and an approved extension moves the deadline.
@Suite struct ExtensionRuleTests {
    func pending(_ id: String = "A", deadline: String = "2026-06-30", until: String? = nil, reason: String = "设备未到货") -> RectificationTask {
        var t = task(id, deadline: .by(day(deadline)))
        t.deadlineExtension = DeadlineExtension(requested: true, newDeadline: until.map(day), reason: reason)
        return t
    }

    /// Plans slot after slot with the store's fact (first read `since`), like the daemon.
    func run(_ tasks: [RectificationTask], since: [String: String], from: String, to: String,
             planner: Planner = makePlanner()) -> [(day: LocalDate, message: PlannedMessage)] {
        let facts = Planner.ExtensionFacts(pendingSince: Dictionary(uniqueKeysWithValues: since.map { (TaskID($0.key), day($0.value)) }))
        var log = Set<NotificationIdentity>()
        var out: [(LocalDate, PlannedMessage)] = []
        var now = at(from)
        while now <= at(to) {
            let plan = planner.plan(LedgerSnapshot(tasks: tasks), log: log, extensions: facts, now: now)
            for message in plan.messages {
                out.append((shanghai.date(of: now), message))
                log.formUnion(message.identities)
            }
            log.formUnion(plan.skipped.map(\.identity))
            guard let next = plan.next, next > now else { break }
            now = next
        }
        return out
    }

    func lines(_ sent: [(day: LocalDate, message: PlannedMessage)]) -> [String] {
        sent.map { "\($0.day) \($0.message.kind.rawValue)\($0.message.level.map { " L\($0)" } ?? "") \($0.message.items.map(\.identity.key).joined(separator: " "))" }
    }

    /// Pending since 06-29: level 1 goes on 07-01 as usual; level 2 (due 07-07) waits for the end of
    /// the pause, the 10th working day after 06-29 (07-13); the office hears on 06-29 and 07-06.
    @Test func aPendingRequestPausesLevelTwoUntilThePauseLapses() {
        let sent = lines(run([pending()], since: ["A": "2026-06-29"], from: "2026-06-29T09:00", to: "2026-07-20T18:00"))
        #expect(sent == [
            "2026-06-29 reminder A/reminder/7/2026-06-30",  // owed since 06-23: caught up
            "2026-06-29 extension A/extension/1/2026-06-29",
            "2026-07-01 escalation L1 A/escalation/1/2026-06-30",
            "2026-07-06 extension A/extension/2/2026-06-29",
            // Level 2 resumes where it would have been: its 07-07 step, on the day the pause ends.
            "2026-07-13 escalation L2 A/escalation/2/2026-06-30",
            "2026-07-13 extension A/extension/3/2026-06-29",
            "2026-07-14 escalation L2 A/escalation/3/2026-06-30",
            "2026-07-20 extension A/extension/4/2026-06-29",
        ])
    }

    /// A request first read long ago pauses nothing: the planner escalates as if there were none, and says so.
    @Test func aLapsedRequestNoLongerPauses() {
        let plan = makePlanner().plan(LedgerSnapshot(tasks: [pending()]), log: [],
                                      extensions: .init(pendingSince: [TaskID("A"): day("2026-06-15")]), now: at("2026-07-07T09:00"))
        #expect(plan.sent.contains("A/escalation/2/2026-06-30"))
        #expect(plan.warnings.contains { $0.contains("pending more than 10 working days: A") && $0.contains("resumed") })
    }

    /// The office's notice, with the reason; one mail for all the requests due at that slot.
    @Test func theOfficeIsToldWithTheReasons() throws {
        let plan = makePlanner().plan(LedgerSnapshot(tasks: [pending("A"), pending("B", reason: "")]), log: [], now: at("2026-06-29T09:00"))
        let message = try #require(plan.messages.first { $0.kind == .extension })
        #expect(message.to == [office])
        #expect(message.items.map(\.identity.task.rawValue) == ["A", "B"])
        #expect(plan.messages.filter { $0.kind == .extension }.count == 1)
    }

    /// Repeats count working days: from Monday 09-28, five working days run over National Day to the
    /// 调休 Saturday 10-10.
    @Test func repeatsCountWorkingDaysAcrossTheHolidays() {
        let sent = lines(run([pending(deadline: "2026-12-31")], since: ["A": "2026-09-28"], from: "2026-09-28T09:00", to: "2026-10-20T18:00"))
        #expect(sent == [
            "2026-09-28 extension A/extension/1/2026-09-28",
            "2026-10-10 extension A/extension/2/2026-09-28",
            "2026-10-16 extension A/extension/3/2026-09-28",
        ])
    }

    /// Approved (延期至 and 延期批准人): the new date is the deadline from then on — no escalation about
    /// 06-30, a reminder and a ladder for 09-30 — and the office is not asked any more.
    @Test func anApprovedExtensionMovesTheDeadline() {
        var granted = task("A", deadline: .by(day("2026-06-30")))
        granted.deadlineExtension = DeadlineExtension(requested: true, newDeadline: day("2026-09-30"), approver: "王书记", reason: "设备未到货")
        let planner = makePlanner()
        #expect(planner.dueDate(granted) == day("2026-09-30"))
        let sent = lines(run([granted], since: [:], from: "2026-07-01T09:00", to: "2026-10-09T18:00"))
        #expect(sent == [
            "2026-09-23 reminder A/reminder/7/2026-09-30",
            "2026-10-08 escalation L1 A/escalation/1/2026-09-30",  // the first working day after National Day
        ])
    }

    /// 延期至 without an approver is only the date asked for: the deadline stays.
    @Test func aRequestedDateIsNotADeadline() {
        #expect(makePlanner().dueDate(pending(until: "2026-09-30")) == day("2026-06-30"))
    }

    /// Withdrawn before the pause ends (the status back to 整改中): the held-back level 2 is due at once.
    @Test func aWithdrawnRequestResumesAtOnce() {
        let planner = makePlanner()
        let log: Set<NotificationIdentity> = [NotificationIdentity(task: TaskID("A"), kind: .escalation, step: 1, about: day("2026-06-30"))]
        let paused = planner.plan(LedgerSnapshot(tasks: [pending()]), log: log, extensions: .init(pendingSince: [TaskID("A"): day("2026-07-06")]),
                                  now: at("2026-07-08T09:00"))
        #expect(!paused.sent.contains { $0.contains("escalation") })
        let withdrawn = planner.plan(LedgerSnapshot(tasks: [task("A", deadline: .by(day("2026-06-30")))]), log: log, now: at("2026-07-08T09:00"))
        #expect(withdrawn.sent == ["A/escalation/2/2026-06-30"])
    }
}
