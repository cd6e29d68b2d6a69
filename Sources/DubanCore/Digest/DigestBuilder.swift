/// Computes a `Digest` from the ledger now and the ledger at the previous
/// digest. Pure: everything it needs is passed in.
public struct DigestBuilder: Sendable {
    public var planner: Planner

    public init(planner: Planner) {
        self.planner = planner
    }

    public struct Inputs: Sendable {
        public var snapshot: LedgerSnapshot
        public var previous: (week: ISOWeek, snapshot: LedgerSnapshot)?
        /// Highest escalation step sent per task (from the notification log).
        public var highestEscalation: [TaskID: Int]
        public var failedMail: Int
        /// The reads kept in the state database, for the 台账异常 only time shows.
        public var earlierReads: [LedgerRead]
        /// `[ledger] require_evidence`: a done task without 佐证材料 is an error.
        public var requireEvidence: Bool

        public init(snapshot: LedgerSnapshot, previous: (week: ISOWeek, snapshot: LedgerSnapshot)? = nil,
                    highestEscalation: [TaskID: Int] = [:], failedMail: Int = 0,
                    earlierReads: [LedgerRead] = [], requireEvidence: Bool = false) {
            self.snapshot = snapshot
            self.previous = previous
            self.highestEscalation = highestEscalation
            self.failedMail = failedMail
            self.earlierReads = earlierReads
            self.requireEvidence = requireEvidence
        }
    }

    public func build(week: ISOWeek, today: LocalDate, _ inputs: Inputs) -> Digest {
        let snapshot = inputs.snapshot
        let problems = Dictionary(snapshot.problems.map { ($0.number, $0.description) }, uniquingKeysWith: { first, _ in first })
        let rows = snapshot.tasks.map { row($0, today: today, problems: problems, escalation: inputs.highestEscalation[$0.id]) }

        var counts = Digest.Counts(problems: snapshot.problems.count, tasks: rows.count, notStarted: 0, inProgress: 0, completed: 0,
                                   accepted: 0, closed: 0, ongoing: 0, done: 0, overdue: 0, completionRate: 0)
        for row in rows {
            switch row.status {
            case .notStarted: counts.notStarted += 1
            case .inProgress: counts.inProgress += 1
            case .completed: counts.completed += 1
            case .accepted: counts.accepted += 1
            case .closed: counts.closed += 1
            case .ongoing: counts.ongoing += 1
            }
            if row.status.isDone { counts.done += 1 }
            if row.light == .red { counts.overdue += 1 }
        }
        counts.completionRate = Self.rate(done: counts.done, of: counts.tasks - counts.ongoing)
        if let previous = inputs.previous {
            let before = previous.snapshot.tasks
            let done = before.count { $0.status.isDone }
            let ongoing = before.count { $0.status == .ongoing }
            let rate = Self.rate(done: done, of: before.count - ongoing)
            counts.previousCompletionRate = rate
            counts.completionRateChange = ((counts.completionRate - rate) * 10).rounded() / 10
        }

        let lights = Digest.Lights(red: rows.count { $0.light == .red }, yellow: rows.count { $0.light == .yellow },
                                   blue: rows.count { $0.light == .blue })

        var byDepartment: [String: Digest.DepartmentRow] = [:]
        var departmentOrder: [String] = []
        for row in rows {
            let name = row.department.isEmpty ? "（未填写）" : row.department
            if byDepartment[name] == nil { departmentOrder.append(name); byDepartment[name] = .init(name: name, tasks: 0, done: 0, overdue: 0, completionRate: 0) }
            byDepartment[name]!.tasks += 1
            if row.status.isDone { byDepartment[name]!.done += 1 }
            if row.light == .red { byDepartment[name]!.overdue += 1 }
        }
        let departments: [Digest.DepartmentRow] = departmentOrder.map { name in
            var department = byDepartment[name]!
            let ongoing = rows.count { ($0.department.isEmpty ? "（未填写）" : $0.department) == name && $0.status == .ongoing }
            department.completionRate = Self.rate(done: department.done, of: department.tasks - ongoing)
            return department
        }

        let open = rows.filter { !$0.status.isDone && $0.status != .ongoing }
        let overdue = open.filter { $0.light == .red }.sorted { ($0.daysLeft ?? 0, $0.id) < ($1.daysLeft ?? 0, $1.id) }
        let dueSoon = open.filter { ($0.daysLeft ?? -1) >= 0 }.sorted { ($0.daysLeft!, $0.id) < ($1.daysLeft!, $1.id) }
        var checkpoints: [Digest.CheckpointRow] = []
        for task in snapshot.tasks where !task.status.isDone {
            for checkpoint in task.checkpoints where (0...30).contains(today.days(until: checkpoint.date)) {
                checkpoints.append(.init(task: task.id.rawValue, date: checkpoint.date, label: checkpoint.label,
                                         department: task.department, officer: task.officer?.name ?? ""))
            }
        }
        checkpoints.sort { ($0.date, $0.task) < ($1.date, $1.task) }

        var unreachable: [UnreachablePerson] = []
        var unreachableSeen = Set<UnreachablePerson>()
        for task in snapshot.tasks {
            for (role, contact) in [(PersonRole.officer, task.officer), (.leader, task.leader)] {
                guard let contact, contact.email == nil else { continue }
                let person = UnreachablePerson(role: role, name: contact.name)
                if unreachableSeen.insert(person).inserted { unreachable.append(person) }
            }
        }
        let quality = Digest.Quality(
            unreadableDeadlines: zip(snapshot.tasks, rows).filter { task, _ in
                !task.status.isDone && [.unparsed, .missing].contains(task.deadline.kind)
            }.map(\.1),
            unreachablePeople: unreachable,
            missingCalendarYears: planner.calendar.missingYears(today.year...today.adding(days: 61).year),
            failedMail: inputs.failedMail,
            ledgerErrors: snapshot.diagnostics.errorCount,
            ledgerAnomalies: LedgerAudit.findings(snapshot, earlier: inputs.earlierReads, today: today, requireEvidence: inputs.requireEvidence))

        return Digest(
            week: week, today: today, previousWeek: inputs.previous?.week, counts: counts, lights: lights, departments: departments,
            overdue: overdue,
            dueIn7Days: dueSoon.filter { $0.daysLeft! <= 7 },
            dueIn8To30Days: dueSoon.filter { $0.daysLeft! > 7 && $0.daysLeft! <= 30 },
            checkpoints: checkpoints,
            acceptancePending: rows.filter { $0.status == .completed },
            lookBacksDue: rows.filter { row in row.lookBackOn.map { (-7...30).contains(today.days(until: $0)) } ?? false },
            changes: inputs.previous.map { changes(from: $0.snapshot, to: snapshot, rows: rows, today: today, problems: problems) },
            quality: quality, tasks: rows)
    }

    func row(_ task: RectificationTask, today: LocalDate, problems: [String: String], escalation: Int?) -> Digest.TaskRow {
        let due = planner.dueDate(task)
        let daysLeft = due.map { today.days(until: $0) }
        let open = !task.status.isDone && task.status != .ongoing
        var light = Digest.Light.none
        if task.status.isDone {
            light = .blue
        } else if open, let daysLeft, daysLeft < 0 {
            light = .red
        } else if open, let daysLeft, daysLeft <= 7 {
            light = .yellow
        } else if task.status == .notStarted, task.checkpoints.contains(where: { $0.date < today }) {
            light = .yellow
        }
        let lookBack = task.status == .closed ? task.closedOn.map { planner.calendar.onOrAfter($0.adding(months: planner.policy.lookBackMonths)) } : nil
        return Digest.TaskRow(
            id: task.id.rawValue, problem: task.problemNumber, problemDescription: problems[task.problemNumber] ?? "",
            measure: task.measure, department: task.department, officer: task.officer?.name ?? "", leader: task.leader?.name ?? "",
            deadline: due?.description ?? task.deadlineText, dueDate: due, daysLeft: daysLeft, status: task.status, light: light,
            highestEscalationStep: escalation,
            completedOn: task.completedOn, closedOn: task.closedOn, lookBackOn: lookBack)
    }

    func changes(from before: LedgerSnapshot, to after: LedgerSnapshot, rows: [Digest.TaskRow], today: LocalDate,
                 problems: [String: String]) -> Digest.Changes {
        let old = Dictionary(before.tasks.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let new = Set(after.tasks.map(\.id))
        var result = Digest.Changes(newlyCompleted: [], newlyClosed: [], newlyOverdue: [], deadlinesMoved: [], added: [], removed: [])
        for (task, row) in zip(after.tasks, rows) {
            guard let was = old[task.id] else { result.added.append(row); continue }
            if task.status.isDone && !was.status.isDone && task.status != .closed { result.newlyCompleted.append(row) }
            if task.status == .closed && was.status != .closed { result.newlyClosed.append(row) }
            let wasDue = planner.dueDate(was)
            let wasOverdue = !was.status.isDone && was.status != .ongoing && (wasDue.map { $0 < today.adding(days: -7) } ?? false)
            if row.light == .red && !wasOverdue { result.newlyOverdue.append(row) }
            if wasDue != planner.dueDate(task) || (wasDue == nil && was.deadlineText != task.deadlineText) {
                result.deadlinesMoved.append(.init(task: task.id.rawValue, measure: task.measure,
                                                   from: wasDue?.description ?? was.deadlineText, to: row.deadline))
            }
        }
        for task in before.tasks where !new.contains(task.id) {
            result.removed.append(row(task, today: today, problems: problems, escalation: nil))
        }
        return result
    }

    static func rate(done: Int, of total: Int) -> Double {
        guard total > 0 else { return 0 }
        return (Double(done) / Double(total) * 1000).rounded() / 10
    }
}
