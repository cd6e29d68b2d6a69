import DubanCore
import Foundation
import Testing

@Suite struct DigestBuilderTests {
    let today = day("2026-07-06")

    /// A random ledger whose figures the test computes on its own.
    func randomLedger(seed: UInt64, count: Int) -> LedgerSnapshot {
        var rng = SeededGenerator(seed: seed)
        let departments = ["党委办公室", "组织部", "财务处"]
        var snapshot = LedgerSnapshot()
        for p in 1...(count / 3) { snapshot.problems.append(Problem(number: "\(p)", description: "问题\(p)", source: SourceLocation(file: "l"))) }
        for i in 0..<count {
            let status = TaskStatus.allCases.randomElement(using: &rng)!
            let deadline: Deadline = Int.random(in: 0..<10, using: &rng) == 0 ? .unparsed("下月") : .by(today.adding(days: Int.random(in: -60...60, using: &rng)))
            snapshot.tasks.append(RectificationTask(
                id: TaskID("T\(i)"), idIsExplicit: true, problemNumber: "\(i % (count / 3) + 1)", measure: "措施\(i)",
                department: departments[i % 3], officer: Contact(name: "o\(i % 4)", email: i % 9 == 0 ? nil : "o@example.org"),
                deadline: deadline, status: status, completedOn: status == .completed ? today.adding(days: -3) : nil,
                closedOn: status == .closed ? today.adding(days: -80) : nil, source: SourceLocation(file: "l", row: i + 2)))
        }
        return snapshot
    }

    @Test(arguments: [1, 2, 3])
    func figuresMatchAnIndependentCount(seed: Int) {
        let snapshot = randomLedger(seed: UInt64(seed), count: 300)
        let digest = DigestBuilder(planner: makePlanner()).build(week: ISOWeek(containing: today), today: today, .init(snapshot: snapshot))
        // Counted here without the builder.
        var done = 0, ongoing = 0, overdue = 0
        var perDepartment: [String: (tasks: Int, done: Int, overdue: Int)] = [:]
        for task in snapshot.tasks {
            let isDone = [.completed, .accepted, .closed].contains(task.status)
            let isOverdue = !isDone && task.status != .ongoing && (task.deadline.date.map { $0 < today } ?? false)
            if isDone { done += 1 }
            if task.status == .ongoing { ongoing += 1 }
            if isOverdue { overdue += 1 }
            var d = perDepartment[task.department] ?? (0, 0, 0)
            d.tasks += 1; d.done += isDone ? 1 : 0; d.overdue += isOverdue ? 1 : 0
            perDepartment[task.department] = d
        }
        #expect(digest.counts.tasks == 300 && digest.counts.problems == 100)
        #expect(digest.counts.done == done && digest.counts.overdue == overdue && digest.counts.ongoing == ongoing)
        #expect(digest.counts.completionRate == (Double(done) / Double(300 - ongoing) * 1000).rounded() / 10)
        #expect(digest.lights.red == overdue && digest.lights.blue == done)
        #expect(digest.overdue.count == overdue)
        #expect(zip(digest.overdue, digest.overdue.dropFirst()).allSatisfy { ($0.daysLeft ?? 0) <= ($1.daysLeft ?? 0) })  // longest first
        for row in digest.departments {
            #expect(row.tasks == perDepartment[row.name]!.tasks && row.done == perDepartment[row.name]!.done
                    && row.overdue == perDepartment[row.name]!.overdue)
        }
        #expect(digest.quality.unreadableDeadlines.count == snapshot.tasks.count { !$0.status.isDone && $0.deadline.kind == .unparsed })
        #expect(digest.tasks.count == 300)
    }

    @Test func weekOverWeekChanges() {
        func task(_ id: String, _ deadline: String, _ status: TaskStatus) -> RectificationTask {
            RectificationTask(id: TaskID(id), idIsExplicit: true, problemNumber: "1", measure: "措施\(id)", department: "办公室",
                              deadline: .by(day(deadline)), status: status, source: SourceLocation(file: "l"))
        }
        let before = LedgerSnapshot(tasks: [task("MOVE", "2026-07-10", .inProgress), task("DONE", "2026-07-20", .inProgress),
                                            task("GONE", "2026-08-01", .inProgress), task("LATE", "2026-07-03", .inProgress),
                                            task("SAME", "2026-09-01", .notStarted)])
        let after = LedgerSnapshot(tasks: [task("MOVE", "2026-08-10", .inProgress), task("DONE", "2026-07-20", .completed),
                                           task("LATE", "2026-07-03", .inProgress), task("SAME", "2026-09-01", .notStarted),
                                           task("NEW", "2026-09-30", .notStarted)])
        let digest = DigestBuilder(planner: makePlanner()).build(
            week: ISOWeek(containing: today), today: today, .init(snapshot: after, previous: (ISOWeek("2026-W27")!, before)))
        let changes = try! #require(digest.changes)
        #expect(changes.deadlinesMoved == [Digest.Move(task: "MOVE", measure: "措施MOVE", from: "2026-07-10", to: "2026-08-10")])
        #expect(changes.newlyCompleted.map(\.id) == ["DONE"])
        #expect(changes.added.map(\.id) == ["NEW"])
        #expect(changes.removed.map(\.id) == ["GONE"])
        #expect(changes.newlyOverdue.map(\.id) == ["LATE"])   // due 07-03: not yet overdue at last week's digest
        // 0 of 5 done before, 1 of 5 now: +20 points.
        #expect(digest.counts.previousCompletionRate == 0 && digest.counts.completionRate == 20 && digest.counts.completionRateChange == 20)
        #expect(digest.previousWeek?.description == "2026-W27")
    }
}
