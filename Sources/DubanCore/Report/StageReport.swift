/// The stage report (阶段性整改情况报告) as data, in the order offices write
/// it: 总体情况 (figures), 问题整改情况 (per problem), 长效机制 (standing
/// measures), 下一步打算 (open items and their dates). Rendered to .docx and
/// HTML by DubanOffice; built by `StageReportBuilder`.
///
/// Definitions, shared with the weekly digest (README, "Weekly digest"):
/// - done = 已完成待验收 + 已验收 + 已销号;
/// - completion rate = done ÷ (tasks − 长期坚持), one decimal, since a
///   standing measure is never finished;
/// - overdue = open (not done, not 长期坚持) and past its due date;
/// - a problem is rectified (整改到位) when it has at least one task that is
///   not 长期坚持 and all of those are done.
public struct StageReport: Sendable, Equatable {
    public var today: LocalDate
    public var figures: Figures
    public var problems: [ProblemSection]
    /// 长效机制: tasks marked 长期坚持, or whose deadline says to keep it up.
    public var standing: [Item]
    /// 下一步打算: open tasks, earliest due date first, undated last.
    public var nextSteps: [Item]

    public struct Figures: Sendable, Equatable {
        public var problems: Int
        public var problemsRectified: Int
        public var tasks: Int
        public var done: Int
        /// 已完成待验收.
        public var completed: Int
        public var accepted: Int
        public var closed: Int
        /// 长期坚持 (status).
        public var ongoing: Int
        /// Not done and not 长期坚持.
        public var open: Int
        public var overdue: Int
        /// 0…100, one decimal.
        public var completionRate: Double
    }

    public struct ProblemSection: Sendable, Equatable {
        public var number: String
        public var category: String
        public var description: String
        public var rectified: Bool
        public var items: [Item]
    }

    /// One task as the report tells it.
    public struct Item: Sendable, Equatable {
        public var id: String
        public var problem: String
        public var measure: String
        public var department: String
        public var officer: String
        /// The due date, or the deadline as written when it has none.
        public var deadline: String
        public var dueDate: LocalDate?
        public var status: TaskStatus
        public var progress: String
        public var evidence: String
        public var acceptanceCriterion: String
        public var completedOn: LocalDate?
        public var acceptedOn: LocalDate?
        public var closedOn: LocalDate?
        /// Days past the due date for an overdue task, nil otherwise.
        public var daysOverdue: Int?
    }
}

/// Builds a `StageReport` from a ledger snapshot. Pure: the day is an input.
public struct StageReportBuilder: Sendable {
    public var planner: Planner

    public init(planner: Planner) {
        self.planner = planner
    }

    public func build(_ snapshot: LedgerSnapshot, today: LocalDate) -> StageReport {
        let items = snapshot.tasks.map { item($0, today: today) }

        // Problems in ledger order, then any number only tasks mention.
        var sections: [StageReport.ProblemSection] = []
        var index: [String: Int] = [:]
        for problem in snapshot.problems where index[problem.number] == nil {
            index[problem.number] = sections.count
            sections.append(.init(number: problem.number, category: problem.category, description: problem.description, rectified: false, items: []))
        }
        // A problem is rectified when all its tasks that are not standing measures
        // (`RectificationTask.isStanding`, as the digest counts them) are done:
        // the two documents are read side by side and must agree.
        var measuredStatuses: [Int: [TaskStatus]] = [:]
        for (task, item) in zip(snapshot.tasks, items) {
            if index[item.problem] == nil {
                index[item.problem] = sections.count
                sections.append(.init(number: item.problem, category: "", description: "", rectified: false, items: []))
            }
            let section = index[item.problem]!
            sections[section].items.append(item)
            if !task.isStanding { measuredStatuses[section, default: []].append(item.status) }
        }
        for i in sections.indices {
            let statuses = measuredStatuses[i] ?? []
            sections[i].rectified = !statuses.isEmpty && statuses.allSatisfy(\.isDone)
        }

        var figures = StageReport.Figures(problems: sections.count, problemsRectified: sections.count(where: \.rectified), tasks: items.count,
                                          done: 0, completed: 0, accepted: 0, closed: 0, ongoing: 0, open: 0, overdue: 0, completionRate: 0)
        for item in items {
            switch item.status {
            case .completed: figures.completed += 1
            case .accepted: figures.accepted += 1
            case .closed: figures.closed += 1
            case .ongoing: figures.ongoing += 1
            case .notStarted, .inProgress: figures.open += 1
            }
            if item.daysOverdue != nil { figures.overdue += 1 }
        }
        figures.done = figures.completed + figures.accepted + figures.closed
        // Standing measures (长期坚持 by status or by deadline) have nothing to complete.
        let measured = figures.tasks - snapshot.tasks.count(where: \.isStanding)
        figures.completionRate = measured > 0 ? (Double(figures.done) / Double(measured) * 1000).rounded() / 10 : 0

        let standing = zip(snapshot.tasks, items).filter { task, _ in
            task.status == .ongoing || task.deadline.kind == .ongoing || task.deadline.kind == .datedThenOngoing
        }.map(\.1)
        let nextSteps = items.filter { !$0.status.isDone && $0.status != .ongoing }.sorted { a, b in
            switch (a.dueDate, b.dueDate) {
            case let (x?, y?) where x != y: return x < y
            case (_?, nil): return true
            case (nil, _?): return false
            default: return TaskID(a.id) < TaskID(b.id)
            }
        }
        return StageReport(today: today, figures: figures, problems: sections, standing: standing, nextSteps: nextSteps)
    }

    func item(_ task: RectificationTask, today: LocalDate) -> StageReport.Item {
        let due = planner.dueDate(task)
        let open = !task.status.isDone && task.status != .ongoing
        let late = due.map { today.days(until: $0) }.flatMap { $0 < 0 ? -$0 : nil }
        return StageReport.Item(
            id: task.id.rawValue, problem: task.problemNumber, measure: task.measure, department: task.department,
            officer: task.officer?.name ?? "", deadline: due?.description ?? task.deadlineText, dueDate: due, status: task.status,
            progress: task.progress, evidence: task.evidence, acceptanceCriterion: task.acceptanceCriterion,
            completedOn: task.completedOn, acceptedOn: task.acceptedOn, closedOn: task.closedOn,
            daysOverdue: open ? late : nil)
    }
}
