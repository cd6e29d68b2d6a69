/// Everything Duban understood from the ledger files at one moment, with what
/// it could not understand. The planner only ever sees snapshots, so a ledger
/// that is being saved can never be half-read into a plan.
public struct LedgerSnapshot: Sendable, Codable, Equatable {
    public var problems: [Problem]
    public var tasks: [RectificationTask]
    public var diagnostics: [Diagnostic]
    /// Each file's columns (1-based), by field: a finding computed later from
    /// the snapshot (`LedgerAudit`) still points at the cell to fix.
    public var columns: [String: [LedgerField: Int]] {
        get { storedColumns ?? [:] }
        set { storedColumns = newValue.isEmpty ? nil : newValue }
    }
    // Optional so that snapshots stored before it existed still decode.
    private var storedColumns: [String: [LedgerField: Int]]?

    enum CodingKeys: String, CodingKey {
        case problems, tasks, diagnostics
        case storedColumns = "columns"
    }

    /// Where `field` is in the row of `source`, as a cell location.
    public func location(_ source: SourceLocation, _ field: LedgerField?) -> SourceLocation {
        var location = source
        location.column = field.flatMap { columns[source.file]?[$0] }
        return location
    }

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
        columns.merge(other.columns, uniquingKeysWith: { first, _ in first })
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
