import DubanCore
import Foundation
import Testing

@Suite struct StageReportTests {
    func make(_ id: String, problem: String, deadline: Deadline, status: TaskStatus, department: String = "办公室",
              completedOn: LocalDate? = nil) -> RectificationTask {
        RectificationTask(id: TaskID(id), idIsExplicit: true, problemNumber: problem, measure: "措施\(id)", department: department,
                          officer: Contact(name: "张伟"), deadline: deadline, status: status, completedOn: completedOn,
                          source: SourceLocation(file: "t.csv", row: 2))
    }

    func problems(_ numbers: [String]) -> [Problem] {
        numbers.map { Problem(number: $0, description: "问题\($0)", source: SourceLocation(file: "t.csv", row: 2)) }
    }

    /// The stage report and the digest are read side by side: they must agree
    /// on what a standing measure is. A task whose 整改时限 is 长期坚持 while
    /// its status is 整改中 (common in real ledgers), or one marked done, is
    /// left out of both documents' rates and problem counts alike.
    @Test func theReportAndTheDigestCountStandingMeasuresAlike() {
        let snapshot = LedgerSnapshot(problems: problems(["1", "2"]), tasks: [
            make("T1", problem: "1", deadline: .by(day("2026-06-30")), status: .completed, completedOn: day("2026-06-20")),
            make("T2", problem: "1", deadline: .ongoing, status: .inProgress),
            make("T3", problem: "2", deadline: .by(day("2026-06-30")), status: .closed),
            make("T4", problem: "2", deadline: .ongoing, status: .completed),
        ])
        let today = day("2026-07-08")
        let report = StageReportBuilder(planner: makePlanner()).build(snapshot, today: today)
        let digest = DigestBuilder(planner: makePlanner()).build(week: ISOWeek(containing: today), today: today,
                                                                 DigestBuilder.Inputs(snapshot: snapshot))
        #expect(report.figures.problemsRectified == digest.counts.problemsRectified)
        #expect(report.figures.completionRate == digest.counts.completionRate)
        #expect(report.problems.map(\.rectified) == [true, true])
    }

    /// A small ledger, figures worked out by hand:
    /// problem 1: T1 done, T2 overdue (due 06-30, today 07-08), T3 长期坚持 → not rectified;
    /// problem 2: T4 closed, T5 长期坚持 → rectified (its only measured task is done);
    /// problem 3: T6 not started, due 2026-12-31 → not rectified;
    /// problem 4: only a 长期坚持 task → neither rectified nor counted as open.
    @Test func figuresOfASmallLedger() {
        let snapshot = LedgerSnapshot(problems: problems(["1", "2", "3", "4"]), tasks: [
            make("T1", problem: "1", deadline: .by(day("2026-06-30")), status: .completed, completedOn: day("2026-06-20")),
            make("T2", problem: "1", deadline: .by(day("2026-06-30")), status: .inProgress),
            make("T3", problem: "1", deadline: .ongoing, status: .ongoing),
            make("T4", problem: "2", deadline: .byThenOngoing(day("2026-05-31")), status: .closed),
            make("T5", problem: "2", deadline: .ongoing, status: .ongoing),
            make("T6", problem: "3", deadline: .by(day("2026-12-31")), status: .notStarted),
            make("T7", problem: "4", deadline: .ongoing, status: .ongoing),
            make("T8", problem: "3", deadline: .missing, status: .inProgress),
        ])
        let report = StageReportBuilder(planner: makePlanner()).build(snapshot, today: day("2026-07-08"))
        let f = report.figures
        #expect(f.problems == 4)
        #expect(f.problemsRectified == 1)
        #expect(report.problems.map(\.rectified) == [false, true, false, false])
        #expect(f.tasks == 8)
        #expect(f.done == 2)
        #expect(f.completed == 1 && f.closed == 1 && f.accepted == 0)
        #expect(f.ongoing == 3)
        #expect(f.open == 3)
        #expect(f.overdue == 1)
        #expect(f.completionRate == 40.0)  // 2 done of 8 − 3 standing
        #expect(report.problems[0].items.first { $0.id == "T2" }?.daysOverdue == 8)
        // 长效机制: the three 长期坚持 tasks and the one due by a date and then kept up.
        #expect(report.standing.map(\.id) == ["T3", "T4", "T5", "T7"])
        // 下一步打算: open tasks by due date, undated last.
        #expect(report.nextSteps.map(\.id) == ["T2", "T6", "T8"])
    }

    /// On random ledgers the figures match a count made here independently,
    /// task by task, from the ledger alone.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func figuresMatchAnIndependentCount(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        let today = day("2026-07-08")
        let problemCount = Int.random(in: 1...30, using: &random)
        var tasks: [RectificationTask] = []
        for i in 0..<Int.random(in: 0...200, using: &random) {
            let deadline: Deadline = [.by(today.adding(days: Int.random(in: -60...60, using: &random))), .ongoing, .missing,
                                      .byThenOngoing(today.adding(days: Int.random(in: -60...60, using: &random))), .unparsed("尽快")]
                .randomElement(using: &random)!
            tasks.append(make("T\(i)", problem: String(Int.random(in: 1...problemCount, using: &random)), deadline: deadline,
                              status: TaskStatus.allCases.randomElement(using: &random)!))
        }
        let snapshot = LedgerSnapshot(problems: problems((1...problemCount).map(String.init)), tasks: tasks)
        let report = StageReportBuilder(planner: makePlanner()).build(snapshot, today: today)

        var done = 0, ongoing = 0, overdue = 0
        for task in tasks {
            if [.completed, .accepted, .closed].contains(task.status) { done += 1 }
            if task.status == .ongoing { ongoing += 1 }
            if [.notStarted, .inProgress].contains(task.status), let date = task.deadline.date, date < today { overdue += 1 }
        }
        var rectified = 0
        for number in 1...problemCount {
            let measured = tasks.filter {
                $0.problemNumber == String(number) && $0.status != .ongoing
                    && !([.notStarted, .inProgress].contains($0.status) && $0.deadline == .ongoing)
            }
            if !measured.isEmpty && measured.allSatisfy({ [.completed, .accepted, .closed].contains($0.status) }) { rectified += 1 }
        }
        let f = report.figures
        #expect(f.problems == problemCount)
        #expect(f.tasks == tasks.count)
        #expect(f.done == done)
        #expect(f.ongoing == ongoing)
        #expect(f.open == tasks.count - done - ongoing)
        #expect(f.overdue == overdue)
        #expect(f.problemsRectified == rectified)
        // Standing measures — 长期坚持 by status, or an open task whose deadline is 长期坚持 — are left out (issue 13).
        let standing = tasks.count { $0.status == .ongoing || ([.notStarted, .inProgress].contains($0.status) && $0.deadline == .ongoing) }
        let expectedRate = tasks.count - standing > 0 ? (Double(done * 1000) / Double(tasks.count - standing)).rounded() / 10 : 0
        #expect(f.completionRate == expectedRate)
        #expect(report.problems.flatMap(\.items).count == tasks.count)
        #expect(report.nextSteps.count == f.open)
        #expect(report.standing.count == tasks.count { $0.status == .ongoing || [.ongoing, .datedThenOngoing].contains($0.deadline.kind) })
    }
}
