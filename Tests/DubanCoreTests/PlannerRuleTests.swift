import DubanCore
import Foundation
import Testing

@Suite struct PlannerRuleTests {
    /// One task, one moment, what is sent. Each case's comment says which rule it checks.
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var task: RectificationTask
        var now: String
        var sent: [String]
        var next: String?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        // Reminder 7 calendar days before, at 09:00 on that working day.
        Case(name: "reminder on a working day", task: task("A", deadline: .by(day("2026-06-30"))),
             now: "2026-06-23T09:00", sent: ["A/reminder/7/2026-06-30"], next: "2026-07-01T09:00:00+08:00"),
        // Not before send time; the next instant is today's 09:00.
        Case(name: "before send time", task: task("A", deadline: .by(day("2026-06-30"))),
             now: "2026-06-23T08:59", sent: [], next: "2026-06-23T09:00:00+08:00"),
        // A reminder day on a Sunday moves back to Friday.
        Case(name: "reminder day on a weekend moves earlier", task: task("A", deadline: .by(day("2026-07-05"))),
             now: "2026-06-26T09:00", sent: ["A/reminder/7/2026-07-05"], next: "2026-07-06T09:00:00+08:00"),
        // A reminder day that is a worked Saturday (调休) is a working day.
        Case(name: "reminder on a 调休 Saturday", task: task("A", deadline: .by(day("2026-10-17"))),
             now: "2026-10-10T09:00", sent: ["A/reminder/7/2026-10-17"], next: "2026-10-19T09:00:00+08:00"),
        // Deadline right after Spring Festival: the reminder day (02-17) is a holiday;
        // the previous working day is the 调休 Saturday 02-14.
        Case(name: "deadline right after Spring Festival", task: task("A", deadline: .by(day("2026-02-24"))),
             now: "2026-02-14T09:00", sent: ["A/reminder/7/2026-02-24"], next: "2026-02-25T09:00:00+08:00"),
        // Level 1 on the first working day after the deadline: the 调休 Saturday.
        Case(name: "escalation level 1 before the festival", task: task("A", deadline: .by(day("2026-02-13"))),
             now: "2026-02-14T09:00", sent: ["A/escalation/1/2026-02-13"], next: "2026-02-27T09:00:00+08:00"),
        // Level 2 on the 5th working day after the deadline (02-14, 24, 25, 26, 27); its first
        // repeat 5 working days later counts the 调休 Saturday 02-28: 03-05, not 03-06.
        Case(name: "escalation level 2 counts working days", task: task("A", deadline: .by(day("2026-02-13"))),
             now: "2026-02-27T09:00", sent: ["A/escalation/2/2026-02-13"], next: "2026-03-05T09:00:00+08:00"),
        // Catch-up: after downtime only the highest escalation goes; reminder and L1 are skipped.
        Case(name: "catch-up sends only the highest level", task: task("A", deadline: .by(day("2026-06-30"))),
             now: "2026-07-10T10:00", sent: ["A/escalation/2/2026-06-30"], next: "2026-07-14T09:00:00+08:00"),
        // Quiet hours: due, but it is 18:30; wait for the next working day.
        Case(name: "nothing after quiet_from", task: task("A", deadline: .by(day("2026-06-30"))),
             now: "2026-06-23T18:30", sent: [], next: "2026-06-24T09:00:00+08:00"),
        // Nothing on a day off, even when due: the next working day's slot.
        Case(name: "nothing on a holiday", task: task("A", deadline: .by(day("2026-09-30"))),
             now: "2026-10-01T10:00", sent: [], next: "2026-10-08T09:00:00+08:00"),
        // Completed: no reminder, no escalation; acceptance pending 10 working days after
        // completion — 06-25, since 06-19 (Dragon Boat Festival) does not count.
        Case(name: "acceptance pending", task: task("A", deadline: .by(day("2026-06-30")), status: .completed, completedOn: day("2026-06-10")),
             now: "2026-06-25T09:00", sent: ["A/acceptance/1/2026-06-10"], next: "2026-07-09T09:00:00+08:00"),
        // Look-back 3 months after closing, moved to the next working day (10-01 is National Day).
        Case(name: "look-back after a holiday", task: task("A", deadline: .by(day("2026-06-30")), status: .closed, closedOn: day("2026-07-01")),
             now: "2026-10-08T09:00", sent: ["A/lookback/1/2026-07-01"], next: "2026-10-21T09:00:00+08:00"),
        // 长期坚持 gets no deadline mail at all.
        Case(name: "ongoing", task: task("A", deadline: .ongoing, status: .ongoing), now: "2026-06-23T09:00", sent: [], next: nil),
        // An unreadable deadline gets none either (and a warning).
        Case(name: "unparsed", task: task("A", deadline: .unparsed("下月中旬")), now: "2026-06-23T09:00", sent: [], next: nil),
        // 立行立改 without a date is due 30 days after the feedback date (2026-03-15 → 04-14); reminder 04-07.
        Case(name: "立行立改 without a date", task: task("A", deadline: .immediate(nil)),
             now: "2026-04-07T09:00", sent: ["A/reminder/7/2026-04-14"], next: "2026-04-15T09:00:00+08:00"),
        // Checkpoints get their own reminder; the checkpoint date is the identity's date.
        Case(name: "checkpoint reminder",
             task: task("A", deadline: .by(day("2026-12-31")), checkpoints: [Checkpoint(date: day("2026-09-15"), label: "方案")]),
             now: "2026-09-08T09:00", sent: ["A/checkpoint/7/2026-09-15"], next: "2026-12-24T09:00:00+08:00"),
        // Issue 12: the ladder does not fall silent after its last repeat. Catching up months
        // later, the 约谈 notice (the ladder's end) goes out and the escalations give way to it.
        Case(name: "catch-up long after the last repeat sends the 约谈 notice", task: task("A", deadline: .by(day("2026-03-31"))),
             now: "2026-12-01T09:00", sent: ["A/interview/1/2026-03-31"], next: nil),
    ]

    @Test(arguments: cases)
    func rule(_ c: Case) {
        let planner = makePlanner()
        let plan = planner.plan(LedgerSnapshot(tasks: [c.task]), log: [], now: at(c.now))
        #expect(plan.sent == c.sent)
        #expect(plan.next.map(shanghai.iso) == c.next)
    }

    @Test func catchUpRecordsWhatItSkippedAndWhy() {
        let plan = makePlanner().plan(LedgerSnapshot(tasks: [task("A", deadline: .by(day("2026-06-30")))]), log: [], now: at("2026-07-10T10:00"))
        #expect(plan.skipped.map { "\($0.identity.key) \($0.reason.rawValue)" } == [
            "A/reminder/7/2026-06-30 deadline_passed",
            "A/escalation/1/2026-06-30 superseded_by_higher_escalation",
        ])
    }

    @Test func exactlyOnceAndAMovedDeadlineIsANewIdentity() {
        let planner = makePlanner()
        let first = planner.plan(LedgerSnapshot(tasks: [task("A", deadline: .by(day("2026-06-30")))]), log: [], now: at("2026-06-23T09:00"))
        let log = Set(first.messages.flatMap { $0.items.map(\.identity) })
        #expect(log.count == 1)
        // Re-planning the same moment (a restart, a reload, a re-read) sends nothing.
        #expect(planner.plan(LedgerSnapshot(tasks: [task("A", deadline: .by(day("2026-06-30")))]), log: log, now: at("2026-06-23T09:05")).sent == [])
        // The deadline moves a month: the old reminder is never due again, the new one is.
        let moved = LedgerSnapshot(tasks: [task("A", deadline: .by(day("2026-07-31")))])
        #expect(planner.plan(moved, log: log, now: at("2026-06-23T09:05")).sent == [])
        #expect(planner.plan(moved, log: log, now: at("2026-07-24T09:00")).sent == ["A/reminder/7/2026-07-31"])
    }

    @Test func severalLeadsSendEachButCatchUpOnlyTheLatest() {
        var policy = Policy()
        policy.reminderLeadDays = [7, 1]
        let planner = makePlanner(policy: policy)
        let snapshot = LedgerSnapshot(tasks: [task("A", deadline: .by(day("2026-06-30")))])
        #expect(planner.plan(snapshot, log: [], now: at("2026-06-23T09:00")).sent == ["A/reminder/7/2026-06-30"])
        let late = planner.plan(snapshot, log: [], now: at("2026-06-29T09:00"))
        #expect(late.sent == ["A/reminder/1/2026-06-30"])
        #expect(late.skipped.map(\.reason) == [.supersededByLaterReminder])
    }

    @Test func workingDayLeads() {
        var policy = Policy()
        policy.reminderLeadUnit = .working
        policy.reminderLeadDays = [3]
        // 3 working days before Thursday 10-08 skips the National Day week: 09-29.
        let plan = makePlanner(policy: policy).plan(LedgerSnapshot(tasks: [task("A", deadline: .by(day("2026-10-08")))]), log: [], now: at("2026-09-29T09:00"))
        #expect(plan.sent == ["A/reminder/3/2026-10-08"])
    }

    @Test func oneMessagePerRecipientAndKind() {
        let snapshot = LedgerSnapshot(tasks: [
            task("A", deadline: .by(day("2026-06-30"))),
            task("B", deadline: .by(day("2026-06-30"))),
            task("C", deadline: .by(day("2026-06-30")), officer: Contact(name: "王芳", email: "wang.fang@example.org")),
            task("D", deadline: .by(day("2026-06-30")), checkpoints: [Checkpoint(date: day("2026-06-30"), label: "x")]),
        ])
        let plan = makePlanner().plan(snapshot, log: [], now: at("2026-06-23T09:00"))
        let summary = plan.messages.map { "\($0.kind.rawValue) \($0.to.map { $0.email! }) \($0.items.map(\.identity.task.rawValue))" }
        #expect(summary == [
            "reminder [\"wang.fang@example.org\"] [\"C\"]",
            "reminder [\"zhang.wei@example.org\"] [\"A\", \"B\", \"D\"]",
            "checkpoint [\"zhang.wei@example.org\"] [\"D\"]",
        ])
    }

    @Test func noAddressGoesToTheOfficeAndSaysWho() {
        let snapshot = LedgerSnapshot(tasks: [task("A", deadline: .by(day("2026-06-30")), officer: Contact(name: "孙丽"),
                                                   leader: Contact(name: "周杰"))])
        let planner = makePlanner(principal: nil)
        let reminder = planner.plan(snapshot, log: [], now: at("2026-06-23T09:00")).messages[0]
        #expect(reminder.to == [office])
        #expect(reminder.unreachable == [UnreachablePerson(role: .officer, name: "孙丽")])
        let escalation = planner.plan(snapshot, log: [], now: at("2026-07-07T09:00")).messages[0]
        #expect(escalation.level == 2)
        #expect(escalation.to == [office])
        #expect(escalation.unreachable == [UnreachablePerson(role: .principal, name: nil), UnreachablePerson(role: .leader, name: "周杰"),
                                           UnreachablePerson(role: .officer, name: "孙丽")])
    }

    @Test func missingNextYearCalendarIsReported() {
        let plan = makePlanner().plan(LedgerSnapshot(tasks: [task("A", deadline: .by(day("2027-01-08")))]), log: [], now: at("2026-12-01T09:00"))
        #expect(plan.warnings.contains { $0.contains("no work calendar for 2027") })
        // Without the 2027 file, New Year's Day looks like a working day: the reminder goes then.
        #expect(plan.next.map(shanghai.iso) == "2027-01-01T09:00:00+08:00")
    }

    @Test func slotsFollowDaylightSavingTime() {
        let berlin = LocalClock(timeZone: TimeZone(identifier: "Europe/Berlin")!)
        var calendar = WorkCalendar(years: [WorkCalendar.Year(year: 2026)])
        calendar = WorkCalendar(years: Array(calendar.years.values))
        let planner = makePlanner(clock: berlin, calendar: calendar)
        // DST starts on Sunday 2026-03-29: 09:00 is 08:00Z before and 07:00Z after.
        let snapshot = LedgerSnapshot(tasks: [task("A", deadline: .by(day("2026-03-30"))), task("B", deadline: .by(day("2026-04-06")))])
        let run = simulate(planner, snapshot, from: at("2026-03-20T00:00", berlin), to: at("2026-04-01T00:00", berlin))
        let instants = run.sent.map { ISO8601DateFormatter().string(from: $0.0) }
        #expect(instants == ["2026-03-23T08:00:00Z", "2026-03-30T07:00:00Z", "2026-03-31T07:00:00Z"])
    }
}

/// The planner promises the same plan for the same inputs; `preview` of one
/// ledger at one moment printed its skips in a different order from one run
/// to the next (the catch-up grouped reminders by date in a Dictionary, whose
/// order follows the process's random hash seed).
@Suite struct PlannerDeterminismTests {
    @Test func catchUpKeepsTheCandidatesOrder() {
        let planner = makePlanner()
        // Eight checkpoints and the deadline, all long past: every reminder is skipped.
        let dates = (0..<8).map { day("2026-03-02").adding(days: 7 * $0) }
        let overdue = task("T1", deadline: .by(day("2026-05-29")), checkpoints: dates.map { Checkpoint(date: $0, label: "cp") })
        let plan = planner.plan(LedgerSnapshot(tasks: [overdue]), log: [], now: at("2026-07-01T10:00"))
        let skippedReminders = plan.skipped.map(\.identity).filter { $0.kind != .escalation }
        // In the order the rules give them: the deadline's reminder, then each checkpoint's by date.
        #expect(skippedReminders.map(\.about) == [day("2026-05-29")] + dates)
        #expect(skippedReminders.map(\.kind) == [.reminder] + Array(repeating: .checkpoint, count: 8))
    }
}
