/// Everything Duban understood from the ledger files at one moment, with what
/// it could not understand. The planner only ever sees snapshots, so a ledger
/// that is being saved can never be half-read into a plan.
public struct LedgerSnapshot: Sendable, Codable {
    public var problems: [Problem]
    public var tasks: [RectificationTask]
    public var diagnostics: [Diagnostic]

    public init(problems: [Problem] = [], tasks: [RectificationTask] = [], diagnostics: [Diagnostic] = []) {
        self.problems = problems
        self.tasks = tasks
        self.diagnostics = diagnostics
    }

    /// Appends another file's snapshot. Ids must stay unique across files: a
    /// repeated id is reported, and the task is kept under an id qualified by
    /// its file and row rather than dropped.
    public mutating func merge(_ other: LedgerSnapshot) {
        if tasks.isEmpty && problems.isEmpty && diagnostics.isEmpty {
            self = other  // the common single-ledger case: nothing to check against
            return
        }
        var seen = Dictionary(tasks.map { ($0.id, $0.source) }, uniquingKeysWith: { first, _ in first })
        problems += other.problems
        diagnostics += other.diagnostics
        for var task in other.tasks {
            if let first = seen[task.id] {
                let file = task.source.file.split(separator: "/").last.map(String.init) ?? task.source.file
                let unique = TaskID("\(task.id.rawValue)@\(file):\(task.source.row ?? 0)")
                diagnostics.append(.error(task.source, "task id \(task.id) is used twice (first at \(first)); this task is kept as \(unique) until the 任务编号 is fixed"))
                task.id = unique
            }
            seen[task.id] = task.source
            tasks.append(task)
        }
    }
}
