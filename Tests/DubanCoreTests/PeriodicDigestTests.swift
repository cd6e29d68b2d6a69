import DubanCore
import Foundation
import Testing

/// Issue 13 in the digest: standing measures are left out of every
/// completion rate and shown on their own; extensions (pending, granted)
/// have their section; unapproved deadline changes are named for 台账异常.
@Suite struct PeriodicDigestTests {
    let today = day("2026-07-15")

    func build(_ tasks: [RectificationTask], _ inputs: (inout DigestBuilder.Inputs) -> Void = { _ in }) -> Digest {
        var i = DigestBuilder.Inputs(snapshot: LedgerSnapshot(tasks: tasks))
        inputs(&i)
        return DigestBuilder(planner: makePlanner()).build(week: ISOWeek(containing: today), today: today, i)
    }

    func inDepartment(_ t: RectificationTask, _ department: String) -> RectificationTask {
        var t = t
        t.department = department
        return t
    }

    /// A 长期坚持 deadline with 整改中 as its status is a standing measure too: it used to count as an
    /// open task (50.0% here), and a department with only standing measures showed 0.0%.
    @Test func standingMeasuresAreLeftOutOfEveryRate() throws {
        let done = inDepartment(task("A", deadline: .by(day("2026-06-30")), status: .completed, completedOn: day("2026-06-20")), "办公室")
        let standingByDeadline = inDepartment(task("B", deadline: .ongoing, status: .inProgress), "办公室")
        let standingByStatus = inDepartment(task("C", deadline: .ongoing, status: .ongoing), "宣传部")
        let digest = build([done, standingByDeadline, standingByStatus])
        #expect(digest.counts.standing == 2)
        #expect(digest.counts.completionRate == 100.0)
        let office = try #require(digest.departments.first { $0.name == "办公室" })
        #expect(office.completionRate == 100.0)
        // The stage report agrees.
        #expect(StageReportBuilder(planner: makePlanner()).build(LedgerSnapshot(tasks: [done, standingByDeadline, standingByStatus]), today: today).figures.completionRate == 100.0)
    }

    @Test func standingMeasuresOnScheduleOrBehind() {
        var onTime = task("S1", deadline: .ongoing, status: .ongoing)
        onTime.cadence = .quarterly
        onTime.lastExecutedOn = day("2026-06-10")
        var late = task("S2", deadline: .ongoing, status: .ongoing)
        late.cadence = .monthly
        late.lastExecutedOn = day("2026-05-10")
        let unknown = task("S3", deadline: .ongoing, status: .ongoing)
        let digest = build([onTime, late, unknown])
        #expect(digest.standingMeasures.map(\.state) == [.onSchedule, .behind, .noCadence])
        #expect(digest.standingMeasures.map(\.periodEnd) == [day("2026-09-30"), day("2026-07-31"), nil])
    }

    @Test func extensionsPendingAndGranted() {
        var fresh = task("P1", deadline: .by(day("2026-06-30")))
        fresh.deadlineExtension = DeadlineExtension(requested: true, newDeadline: day("2026-08-31"), reason: "等待批复")
        var stale = task("P2", deadline: .by(day("2026-06-30")))
        stale.deadlineExtension = DeadlineExtension(requested: true, reason: "人手不足")
        var granted = task("G", deadline: .by(day("2026-06-30")))
        granted.deadlineExtension = DeadlineExtension(requested: false, newDeadline: day("2026-09-30"), approver: "王书记", reason: "设备")
        let digest = build([fresh, stale, granted]) {
            $0.extensions = .init(pendingSince: [TaskID("P1"): day("2026-07-13"), TaskID("P2"): day("2026-06-15")])
        }
        #expect(digest.pendingExtensions.map(\.task) == ["P1", "P2"])
        // P2 has waited past max_pending_days (10 working days from 06-15: 06-30): escalation resumed.
        #expect(digest.pendingExtensions.map(\.escalationResumed) == [false, true])
        #expect(digest.pendingExtensions.map(\.pauseEndsOn) == [day("2026-07-27"), day("2026-06-30")])
        #expect(digest.approvedExtensions.map { "\($0.task) \($0.originalDeadline) → \($0.newDeadline!) \($0.approver)" } == ["G 2026-06-30 → 2026-09-30 王书记"])
        // The granted one is not overdue any more: its deadline is 09-30.
        #expect(!digest.overdue.contains { $0.id == "G" })
    }

    @Test func unapprovedChangesOfThisLedgersTasks() {
        let changes = [
            Digest.DeadlineChange(task: "A", from: day("2026-06-30"), to: day("2026-09-30"), seenOn: day("2026-07-14"), approver: nil),
            Digest.DeadlineChange(task: "B", from: day("2026-06-30"), to: day("2026-08-31"), seenOn: day("2026-07-14"), approver: "王书记"),
            Digest.DeadlineChange(task: "Z", from: day("2026-06-30"), to: day("2026-08-31"), seenOn: day("2026-07-14"), approver: nil),
        ]
        let digest = build([task("A", deadline: .by(day("2026-09-30"))), task("B", deadline: .by(day("2026-06-30")))]) { $0.deadlineChanges = changes }
        // Only the unapproved change, and only of a task in this (department's) ledger.
        #expect(digest.unapprovedDeadlineChanges.map(\.task) == ["A"])
    }
}
