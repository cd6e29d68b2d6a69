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

    /// A random ledger with leaders, completion dates on both sides of the
    /// deadline (some missing), and 长期坚持 both as a status and as a deadline.
    func randomRichLedger(seed: UInt64, count: Int) -> LedgerSnapshot {
        var rng = SeededGenerator(seed: seed)
        let departments = ["党委办公室", "组织部", "财务处", "宣传部"]
        let leaders = ["李强", "赵敏", "周杰"]
        var snapshot = LedgerSnapshot()
        for p in 1...(count / 4) { snapshot.problems.append(Problem(number: "\(p)", description: "问题\(p)", source: SourceLocation(file: "l"))) }
        for i in 0..<count {
            let status = TaskStatus.allCases.randomElement(using: &rng)!
            let due = today.adding(days: Int.random(in: -60...60, using: &rng))
            let deadline: Deadline
            switch Int.random(in: 0..<15, using: &rng) {
            case 0: deadline = .unparsed("下月")
            case 1: deadline = .ongoing
            case 2: deadline = .immediate(nil)
            case 3: deadline = .immediate(due)
            case 4: deadline = .byThenOngoing(due)
            default: deadline = .by(due)
            }
            let finished: LocalDate? = Int.random(in: 0..<5, using: &rng) == 0 ? nil : due.adding(days: Int.random(in: -10...10, using: &rng))
            let dated = Int.random(in: 0..<2, using: &rng) == 0
            snapshot.tasks.append(RectificationTask(
                id: TaskID("T\(i)"), idIsExplicit: true, problemNumber: "\(Int.random(in: 1...(count / 4), using: &rng))", measure: "措施\(i)",
                department: departments[Int.random(in: 0..<4, using: &rng)], officer: Contact(name: "o\(i % 5)", email: "o@example.org"),
                leader: Contact(name: leaders[Int.random(in: 0..<3, using: &rng)], email: "l@example.org"),
                deadline: deadline, status: status,
                completedOn: status.isDone && dated ? finished : nil,
                acceptedOn: [.accepted, .closed].contains(status) && !dated ? finished : nil,
                closedOn: status == .closed ? finished?.adding(days: 30) : nil, source: SourceLocation(file: "l", row: i + 2)))
        }
        return snapshot
    }

    @Test(arguments: [11, 12, 13, 14])
    func newFiguresMatchAnIndependentCount(seed: Int) {
        let snapshot = randomRichLedger(seed: UInt64(seed), count: 400)
        let digest = DigestBuilder(planner: makePlanner()).build(week: ISOWeek(containing: today), today: today, .init(snapshot: snapshot))
        // Counted here without the builder. Standing = 长期坚持 by status or deadline: out of every rate.
        // Due: the date written (立行立改 with one, "X前…并长期坚持" too), or
        // for 立行立改 alone 30 days after the feedback date (2026-03-15).
        func dueDate(_ t: RectificationTask) -> LocalDate? {
            if case .immediate(nil) = t.deadline { return day("2026-03-15").adding(days: 30) }
            return t.deadline.date
        }
        func standing(_ t: RectificationTask) -> Bool {
            t.status == .ongoing || ([.notStarted, .inProgress].contains(t.status) && t.deadline == .ongoing)
        }
        func isDone(_ t: RectificationTask) -> Bool { [.completed, .accepted, .closed].contains(t.status) }
        func percent(_ a: Int, _ b: Int) -> Double? { b == 0 ? nil : (Double(a) / Double(b) * 1000).rounded() / 10 }
        struct Tally { var tasks = 0, done = 0, overdue = 0, measured = 0, measuredDone = 0, judged = 0, onTime = 0 }
        func tally(_ tasks: [RectificationTask]) -> Tally {
            var t = Tally()
            for task in tasks {
                t.tasks += 1
                if isDone(task) { t.done += 1 }
                guard !standing(task) else { continue }
                t.measured += 1
                if isDone(task) {
                    t.measuredDone += 1
                    if let due = dueDate(task), let finished = task.completedOn ?? task.acceptedOn ?? task.closedOn {
                        t.judged += 1
                        if finished <= due { t.onTime += 1 }
                    }
                } else if let due = dueDate(task), due < today {
                    t.overdue += 1
                }
            }
            return t
        }
        let whole = tally(snapshot.tasks)
        #expect(digest.counts.overdue == whole.overdue)
        #expect(digest.counts.standing == snapshot.tasks.count(where: standing))
        #expect(digest.counts.completionRate == percent(whole.measuredDone, whole.measured)!)
        #expect(digest.counts.doneJudged == whole.judged && digest.counts.doneOnTime == whole.onTime)
        #expect(digest.counts.onTimeRate == percent(whole.onTime, whole.judged))

        // Done late (to completion) and still open past the due date (to today), each on its own.
        var lateDays: [Int] = [], overdueDays: [Int] = []
        for task in snapshot.tasks where !standing(task) {
            guard let due = dueDate(task) else { continue }
            if isDone(task) {
                if let finished = task.completedOn ?? task.acceptedOn ?? task.closedOn, finished > due { lateDays.append(due.days(until: finished)) }
            } else if due < today {
                overdueDays.append(due.days(until: today))
            }
        }
        func mean(_ days: [Int]) -> Double? { days.isEmpty ? nil : (Double(days.reduce(0, +)) / Double(days.count) * 10).rounded() / 10 }
        #expect(digest.counts.lateDone == lateDays.count && overdueDays.count == whole.overdue)
        #expect(digest.counts.averageDaysLateDone == mean(lateDays))
        #expect(digest.counts.averageDaysOverdue == mean(overdueDays))
        #expect(!lateDays.isEmpty && !overdueDays.isEmpty)
        #expect(digest.counts.problems == Set(snapshot.problems.map(\.number)).union(snapshot.tasks.map(\.problemNumber)).count)

        // Problems: rectified when every non-standing task is done; problems with only standing tasks are out.
        var measuredProblems = 0, rectified = 0
        for number in Set(snapshot.problems.map(\.number)).union(snapshot.tasks.map(\.problemNumber)) {
            let tasks = snapshot.tasks.filter { $0.problemNumber == number && !standing($0) }
            guard !tasks.isEmpty else { continue }
            measuredProblems += 1
            if tasks.allSatisfy(isDone) { rectified += 1 }
        }
        #expect(digest.counts.problemsMeasured == measuredProblems && digest.counts.problemsRectified == rectified)
        #expect(digest.counts.problemRectificationRate == percent(rectified, measuredProblems)!)

        // Per department and per leader: the same figures over their tasks, most overdue first.
        for (rows, key) in [(digest.departments, \RectificationTask.department), (digest.leaders, \RectificationTask.leader!.name)] {
            #expect(Set(rows.map(\.name)) == Set(snapshot.tasks.map { $0[keyPath: key] }))
            for row in rows {
                let t = tally(snapshot.tasks.filter { $0[keyPath: key] == row.name })
                #expect(row.tasks == t.tasks && row.done == t.done && row.overdue == t.overdue, "\(row.name)")
                #expect(row.completionRate == percent(t.measuredDone, t.measured) ?? 0 && row.onTimeRate == percent(t.onTime, t.judged), "\(row.name)")
            }
            #expect(zip(rows, rows.dropFirst()).allSatisfy { $0.overdue >= $1.overdue })
        }
        // The yellow list names every yellow task, each with a reason; no overdue task is yellow.
        #expect(digest.yellow.count == digest.lights.yellow && digest.yellow.allSatisfy { !$0.yellowReasons.isEmpty })
        #expect(Set(digest.yellow.map(\.id)).isDisjoint(with: digest.overdue.map(\.id)))
    }

    /// Progress text unchanged over `staleWeeks` weekly reads makes an open task yellow, by name.
    @Test func progressUnchangedForWeeksIsYellow() {
        func task(_ id: String, progress: String, status: TaskStatus = .inProgress) -> RectificationTask {
            RectificationTask(id: TaskID(id), idIsExplicit: true, problemNumber: "1", measure: "措施\(id)", department: "办公室",
                              deadline: .by(day("2026-09-30")), progress: progress, status: status, source: SourceLocation(file: "l"))
        }
        let now = LedgerSnapshot(tasks: [task("STALE", progress: "正在起草"), task("MOVED", progress: "已印发"),
                                         task("NEWISH", progress: "正在起草"), task("DONE", progress: "正在起草", status: .completed)])
        let old: [TaskID: String] = [TaskID("STALE"): "正在起草", TaskID("MOVED"): "正在起草", TaskID("DONE"): "正在起草"]
        let builder = DigestBuilder(planner: makePlanner(), staleWeeks: 3)
        let week = ISOWeek(containing: today)
        // Three earlier reads with the same text: stale. NEWISH was not in the older ledgers.
        let stale = builder.build(week: week, today: today, .init(snapshot: now, progressHistory: [old, old, old.merging([TaskID("NEWISH"): "x"]) { a, _ in a }]))
        #expect(stale.yellow.map(\.id) == ["STALE"])
        #expect(stale.yellow.first?.yellowReasons == [.progressStale])
        // Only two earlier reads: not yet.
        let early = builder.build(week: week, today: today, .init(snapshot: now, progressHistory: [old, old]))
        #expect(early.yellow.isEmpty)
    }

    /// The trend ends with this week; earlier points come from the archived weeks.
    @Test func theTrendEndsWithThisWeek() {
        let builder = DigestBuilder(planner: makePlanner())
        let snapshot = randomLedger(seed: 5, count: 30)
        let earlier = [Digest.TrendPoint(week: ISOWeek("2026-W26")!, completionRate: 10, overdue: 4),
                       Digest.TrendPoint(week: ISOWeek("2026-W27")!, completionRate: 20, overdue: 3)]
        let digest = builder.build(week: ISOWeek(containing: today), today: today, .init(snapshot: snapshot, trend: earlier))
        #expect(digest.trend.map(\.week.description) == ["2026-W26", "2026-W27", "2026-W28"])
        #expect(digest.trend.last == Digest.TrendPoint(week: ISOWeek("2026-W28")!, completionRate: digest.counts.completionRate, overdue: digest.counts.overdue))
        // An archived snapshot's point is what its own digest counted that day.
        let point = builder.trendPoint(week: ISOWeek("2026-W28")!, snapshot: snapshot, today: today)
        #expect(point == digest.trend.last)
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
