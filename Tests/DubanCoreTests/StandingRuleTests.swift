import DubanCore
import Foundation
import Testing

/// Issue 13, 长期坚持: each period of a standing measure's cadence, the
/// officer is asked `lead_days` before it ends (moved to the previous working
/// day); a period that ends with no 最近执行日期 in it is told to the leader on
/// the next working day, cc the officer.
@Suite struct StandingRuleTests {
    func standing(_ id: String = "S", cadence: StandingCadence?, last: String? = nil) -> RectificationTask {
        var t = task(id, deadline: .ongoing, status: .ongoing)
        t.cadence = cadence
        t.lastExecutedOn = last.map(day)
        return t
    }

    func timeline(_ task: RectificationTask, from: String, to: String, planner: Planner = makePlanner()) -> [String] {
        simulate(planner, LedgerSnapshot(tasks: [task]), from: at(from), to: at(to)).sent.map { when, item, message in
            "\(shanghai.date(of: when)) \(item.identity.key) → \(message.to.map(\.name).joined(separator: ",")) cc \(message.cc.map(\.name).joined(separator: ","))"
        }
    }

    /// A quarter end and National Day: the request 7 days before 09-30 (09-23); nothing recorded, so
    /// the leader hears on the first working day after the holiday, 10-08.
    @Test func quarterEndAcrossNationalDay() {
        #expect(timeline(standing(cadence: .quarterly, last: "2026-06-15"), from: "2026-09-01T09:00", to: "2026-10-31T18:00") == [
            "2026-09-23 S/standing/1/2026-09-30 → 张伟 cc ",
            "2026-10-08 S/standing/2/2026-09-30 → 李强 cc 张伟",
        ])
    }

    /// An execution recorded inside the quarter ends both notices for it; the next quarter is asked for again.
    @Test func anExecutionInsideThePeriodIsOnSchedule() {
        #expect(timeline(standing(cadence: .quarterly, last: "2026-09-10"), from: "2026-09-01T09:00", to: "2026-12-31T18:00") == [
            "2026-12-24 S/standing/1/2026-12-31 → 张伟 cc ",
        ])
    }

    /// February 2026 ends on a 调休 Saturday (02-28). Seven days before is Saturday 02-21, a day off; the
    /// previous working day skips the Spring Festival week back to the 调休 Saturday 02-14. The
    /// leader hears on Monday 03-02.
    @Test func monthEndAcrossSpringFestivalAndMakeUpDays() {
        let planner = makePlanner(feedback: nil)
        #expect(timeline(standing(cadence: .monthly, last: "2026-01-20"), from: "2026-02-01T09:00", to: "2026-03-03T18:00", planner: planner) == [
            "2026-02-14 S/standing/1/2026-02-28 → 张伟 cc ",
            "2026-03-02 S/standing/2/2026-02-28 → 李强 cc 张伟",
        ])
    }

    /// A weekly measure is asked on its week's first working day (seven days before Sunday is before
    /// the week starts).
    @Test func weeklyIsAskedWithinItsOwnWeek() {
        let lines = timeline(standing(cadence: .weekly, last: "2026-06-10"), from: "2026-06-15T09:00", to: "2026-06-22T18:00")
        #expect(lines == [
            "2026-06-15 S/standing/1/2026-06-21 → 张伟 cc ",
            "2026-06-22 S/standing/1/2026-06-28 → 张伟 cc ",
            "2026-06-22 S/standing/2/2026-06-21 → 李强 cc 张伟",
        ])
    }

    /// Catch-up: a request whose period ended while nothing ran is not sent; the leader's notice is.
    @Test func aRequestForAnEndedPeriodGivesWayToTheLeadersNotice() {
        let plan = makePlanner().plan(LedgerSnapshot(tasks: [standing(cadence: .quarterly)]), log: [], now: at("2026-10-09T09:00"))
        #expect(plan.sent == ["S/standing/2/2026-09-30"])
        #expect(plan.skipped == [SkippedNotification(identity: NotificationIdentity(task: TaskID("S"), kind: .standing, step: 1, about: day("2026-09-30")),
                                                     reason: .periodEnded)])
    }

    /// No cadence, no mail (the ledger reader warns about the row); a dated task is not standing.
    @Test func withoutACadenceNothingIsPlanned() {
        #expect(makePlanner().plan(LedgerSnapshot(tasks: [standing(cadence: nil)]), log: [], now: at("2026-09-23T09:00")).messages.isEmpty)
        var dated = task("D", deadline: .by(day("2026-12-31")))
        dated.cadence = .monthly
        #expect(!dated.isStanding)
        #expect(makePlanner().plan(LedgerSnapshot(tasks: [dated]), log: [], now: at("2026-09-23T09:00")).messages.isEmpty)
    }

    /// `[standing] lead_days`.
    @Test func leadDaysAreConfigurable() {
        var policy = Policy()
        policy.standing.leadDays = 14
        let plan = makePlanner(policy: policy).plan(LedgerSnapshot(tasks: [standing(cadence: .quarterly, last: "2026-06-15")]), log: [], now: at("2026-09-16T09:00"))
        #expect(plan.sent == ["S/standing/1/2026-09-30"])
    }

    @Test func stateOnScheduleOrBehind() {
        let planner = makePlanner()
        #expect(planner.standingState(standing(cadence: .quarterly, last: "2026-06-01"), today: day("2026-07-15")) == .onSchedule)
        #expect(planner.standingState(standing(cadence: .quarterly, last: "2026-03-01"), today: day("2026-07-15")) == .behind)
        #expect(planner.standingState(standing(cadence: .quarterly), today: day("2026-07-15")) == .behind)
        #expect(planner.standingState(standing(cadence: nil), today: day("2026-07-15")) == .noCadence)
        // The quarter before the feedback date (03-15) is not held against anyone.
        #expect(planner.standingState(standing(cadence: .quarterly), today: day("2026-03-20")) == .onSchedule)
    }
}
