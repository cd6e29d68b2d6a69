/// The 台账异常 that only time shows: the current read compared with the
/// earlier reads kept in the state database. Pure: the store only hands over
/// the snapshots and the days they were read.
///
/// Each finding is about the ledger as it stands, not about one edit, so it
/// stays listed while the ledger still says it and the stored reads still
/// show the earlier state (weekly digest snapshots are kept for
/// `[state] keep_bodies_days`, the newest always).
public enum LedgerHistory {
    public static func compare(earlier: [LedgerRead], current: LedgerSnapshot, today: LocalDate) -> [LedgerAnomaly] {
        // Oldest first; a read dated after today (a replay at an earlier date) says nothing about today's ledger.
        let reads = earlier.enumerated().filter { $0.element.day <= today }
            .sorted { ($0.element.day, $0.offset) < ($1.element.day, $1.offset) }.map(\.element)
        var history: [TaskID: [(day: LocalDate, task: RectificationTask)]] = [:]
        for read in reads {
            for task in read.snapshot.tasks { history[task.id, default: []].append((read.day, task)) }
        }
        var found: [LedgerAnomaly] = []
        for task in current.tasks {
            guard let seen = history[task.id] else { continue }
            func add(_ kind: LedgerAnomaly.Kind, _ field: LedgerField?, _ message: String) {
                found.append(LedgerAnomaly(kind, .warning, task: task.id, measure: task.measure, department: task.department,
                                           at: current.location(task.source, field), message))
            }
            // Back-dated: completed on a day before a read that still showed the task open.
            if task.status.isDone, let completed = task.completedOn,
               let open = seen.last(where: { $0.day > completed && isOpen($0.task.status) }) {
                add(.backDated, .completedOn,
                    "完成日期 \(completed) is earlier than the read of \(open.day), when the task was still \(open.task.status.label); expected the day the work was actually completed, not a back-dated one")
            }
            // Reopened: done in an earlier read, open now.
            if isOpen(task.status), let done = seen.last(where: { $0.task.status.isDone }) {
                add(.reopened, .status,
                    "was \(done.task.status.label) in the read of \(done.day) and is \(task.status.label) again now; expected a done task to stay done, or the reason for reopening it in 备注")
            }
            // Moved more than once: every change between consecutive reads counts.
            var path: [(day: LocalDate?, deadline: Deadline, text: String)] = []
            for (day, old) in seen where path.last?.deadline != old.deadline {
                path.append((day, old.deadline, old.deadlineText))
            }
            if path.last?.deadline != task.deadline { path.append((nil, task.deadline, task.deadlineText)) }
            if path.count > 2 {
                let steps = path.map { step in
                    "\(step.deadline.date?.description ?? step.text) (\(step.day.map { "read \($0)" } ?? "now"))"
                }
                add(.deadlineMovedAgain, .deadline,
                    "整改时限 has changed \(path.count - 1) times: \(steps.joined(separator: " → ")); expected a deadline to move at most once, by an approved extension")
            }
        }

        // Gone: in an earlier read, not in this one.
        let present = Set(current.tasks.map(\.id))
        // A file that could not be read this time has not lost its rows.
        let unreadFiles = Set(current.diagnostics.filter { $0.severity == .error && $0.location.row == nil }.map(\.location.file))
        let newDerived = current.tasks.filter { !$0.idIsExplicit && !history.keys.contains($0.id) }
        var reported = Set<TaskID>()
        for read in reads.reversed() {
            for old in read.snapshot.tasks where !present.contains(old.id) && !unreadFiles.contains(old.source.file) {
                guard reported.insert(old.id).inserted else { continue }
                // A derived id changes when its problem, measure or officer is edited: that is an edit
                // (which `check` reports as such), not a deleted row.
                if !old.idIsExplicit, newDerived.contains(where: { $0.problemNumber == old.problemNumber
                    && ($0.measure == old.measure || $0.officer?.name == old.officer?.name) }) { continue }
                found.append(LedgerAnomaly(.disappeared, .warning, task: old.id, measure: old.measure, department: old.department,
                                           at: read.snapshot.location(old.source, old.idIsExplicit ? .taskID : .measure),
                    "the row (\(old.measure)) was in the ledger at the read of \(read.day) and is gone now; expected rows to stay (a finished task is marked 已销号, not deleted)"))
            }
        }
        return found
    }

    private static func isOpen(_ status: TaskStatus) -> Bool {
        status == .notStarted || status == .inProgress
    }
}
