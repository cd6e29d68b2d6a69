/// What the reads kept in the state database say about each task, reduced
/// read by read: a long history of a large ledger is never all in memory at
/// once, only a few facts per task id (`LedgerHistory` compares them with
/// the ledger now).
///
/// Reads are added oldest first; a read dated after `upTo` (a replay at an
/// earlier date) says nothing about that day's ledger and is passed over.
public struct LedgerTrail: Sendable {
    /// The last day a read may be from.
    public let upTo: LocalDate
    /// The day of the oldest read kept: the history covers reads since then.
    public private(set) var since: LocalDate?
    /// How many reads were added.
    public private(set) var reads = 0
    /// Stored reads that could not be decoded and so are left out (the store
    /// counts them; `check` and the digest say so).
    public var undecodable = 0

    struct Sighting: Sendable {
        var day: LocalDate
        var status: String
    }

    struct Step: Sendable {
        var day: LocalDate
        var deadline: Deadline
        var text: String
    }

    /// One task id across the reads.
    struct Trace: Sendable {
        /// The reads (by number, in order) that had this id.
        var reads: [Int] = []
        /// The latest read that showed it open, and the latest that showed it done.
        var lastOpen: Sighting?
        var lastDone: Sighting?
        /// Each readable deadline it had, when it changed; a deadline that could
        /// not be read (a typo, a blank) is no step: fixing it is no move.
        var deadlines: [Step] = []
        // Where and what it was at its last read, for a row gone since.
        var lastDay: LocalDate
        var location: SourceLocation
        var measure: String
        var department: String
        var signature: TaskSignature
        var idIsExplicit: Bool
    }

    var traces: [TaskID: Trace] = [:]

    public init(upTo: LocalDate) {
        self.upTo = upTo
    }

    /// Adds one read; reads come oldest first.
    public mutating func add(day: LocalDate, _ snapshot: LedgerSnapshot) {
        guard day <= upTo else { return }
        let number = reads
        reads += 1
        if since == nil { since = day }
        for task in snapshot.tasks {
            var trace = traces[task.id] ?? Trace(lastDay: day, location: task.source, measure: "", department: "",
                                                 signature: TaskSignature(task), idIsExplicit: task.idIsExplicit)
            if trace.reads.last != number { trace.reads.append(number) }
            let status = Self.said(task)
            if task.status == .notStarted || task.status == .inProgress { trace.lastOpen = Sighting(day: day, status: status) }
            if task.status.isDone { trace.lastDone = Sighting(day: day, status: status) }
            if ![.unparsed, .missing].contains(task.deadline.kind), trace.deadlines.last?.deadline != task.deadline {
                trace.deadlines.append(Step(day: day, deadline: task.deadline, text: task.deadlineText))
            }
            trace.lastDay = day
            trace.location = snapshot.location(task.source, task.idIsExplicit ? .taskID : .measure)
            trace.measure = task.measure
            trace.department = task.department
            trace.signature = TaskSignature(task)
            trace.idIsExplicit = task.idIsExplicit
            traces[task.id] = trace
        }
    }

    /// The 完成情况 as the ledger wrote it (as the office reads it), else Duban's word for it.
    static func said(_ task: RectificationTask) -> String {
        task.statusText.isEmpty ? task.status.label : task.statusText
    }
}
