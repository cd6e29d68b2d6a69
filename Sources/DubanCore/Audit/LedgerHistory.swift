/// The 台账异常 that only time shows: the current read compared with the
/// earlier reads kept in the state database, reduced to a `LedgerTrail`.
/// Pure: the store only hands over the trail.
///
/// Each finding is about the ledger as it stands, not about one edit, so it
/// stays listed while the ledger still says it and the stored reads still
/// show the earlier state (weekly digest snapshots are kept for
/// `[state] keep_bodies_days`, the newest always: `LedgerTrail.since` says
/// how far back that is).
public enum LedgerHistory {
    public static func compare(_ trail: LedgerTrail, current: LedgerSnapshot) -> [LedgerAnomaly] {
        var found: [LedgerAnomaly] = []
        for task in current.tasks {
            guard let seen = trail.traces[task.id] else { continue }
            func add(_ kind: LedgerAnomaly.Kind, _ field: LedgerField?, _ message: String) {
                found.append(LedgerAnomaly(kind, .warning, task: task.id, measure: task.measure, department: task.department,
                                           at: current.location(task.source, field), message))
            }
            // Back-dated: completed on a day before a read that still showed the task open.
            if task.status.isDone, let completed = task.completedOn, let open = seen.lastOpen, open.day > completed {
                add(.backDated, .completedOn,
                    "完成日期 \(completed) is earlier than the read of \(open.day), when the task was still \(open.status); expected the day the work was actually completed, not a back-dated one")
            }
            // Reopened: done in an earlier read, open now.
            if task.status == .notStarted || task.status == .inProgress, let done = seen.lastDone {
                add(.reopened, .status,
                    "was \(done.status) in the read of \(done.day) and is \(LedgerTrail.said(task)) again now; expected a done task to stay done, or the reason for reopening it in 备注")
            }
            // Moved more than once: every change of a readable deadline counts.
            var path = seen.deadlines.map { (day: Optional($0.day), deadline: $0.deadline, text: $0.text) }
            if ![.unparsed, .missing].contains(task.deadline.kind), path.last?.deadline != task.deadline {
                path.append((nil, task.deadline, task.deadlineText))
            }
            if path.count > 2 {
                let steps = path.map { step in
                    "\(step.deadline.date?.description ?? step.text) (\(step.day.map { "read \($0)" } ?? "now"))"
                }
                add(.deadlineMovedAgain, .deadline,
                    "整改时限 has changed \(path.count - 1) times: \(steps.joined(separator: " → ")); expected a deadline to move at most once, by an approved extension")
            }
        }
        return found + disappeared(trail, current: current)
    }

    /// Rows in an earlier read and not in this one: neither edits of a task
    /// without 任务编号 (`check` reports those as edits) nor rows of a file
    /// that could not be read this time. A readable file with none of its rows
    /// left is one finding for the file.
    static func disappeared(_ trail: LedgerTrail, current: LedgerSnapshot) -> [LedgerAnomaly] {
        let present = Set(current.tasks.map(\.id))
        let unreadFiles = Set(current.diagnostics.filter { $0.severity == .error && $0.location.row == nil }.map(\.location.file))
        var gone = trail.traces.filter { !present.contains($0.key) && !unreadFiles.contains($0.value.location.file) }
        guard !gone.isEmpty else { return [] }

        // A derived id changes when its problem, measure or 责任人 is edited. A current task is
        // new relative to the read where the old one was last seen if that read did not have it;
        // each new task is the edit of one old task at most.
        var newByProblem: [String: [Int]] = [:]
        for (index, task) in current.tasks.enumerated() where !task.idIsExplicit {
            newByProblem[task.problemNumber, default: []].append(index)
        }
        var used = Set<Int>()
        let derivedGone = Dictionary(grouping: gone.filter { !$0.value.idIsExplicit }, by: { $0.value.reads.last ?? 0 })
        for read in derivedGone.keys.sorted(by: >) {
            let olds = derivedGone[read]!.sorted(by: order)
            let problems = Set(olds.map(\.value.signature.problemNumber))
            let candidates = problems.flatMap { newByProblem[$0] ?? [] }.sorted().filter { index in
                !used.contains(index) && trail.traces[current.tasks[index].id]?.reads.contains(read) != true
            }
            let pairs = TaskSignature.pairEdits(old: olds.map(\.value.signature), new: candidates.map { TaskSignature(current.tasks[$0]) })
            for (new, old) in pairs {
                used.insert(candidates[new])
                gone[olds[old].key] = nil
            }
        }

        var found: [LedgerAnomaly] = []
        let filesNow = Set(current.tasks.map(\.source.file))
        var byFile: [String: [(key: TaskID, value: LedgerTrail.Trace)]] = [:]
        for entry in gone { byFile[entry.value.location.file, default: []].append(entry) }
        for file in byFile.keys.sorted() {
            let rows = byFile[file]!.sorted(by: order)
            if rows.count > 1, !filesNow.contains(file) {
                let last = rows.map(\.value.lastDay).max()!
                found.append(LedgerAnomaly(.disappeared, .warning, task: nil, at: SourceLocation(file: file),
                    "all \(rows.count) rows of this file (first: \(rows[0].key), \(rows[0].value.measure)) were in the ledger at the read of \(last) and are gone now; expected rows to stay (a finished task is marked 已销号, not deleted)"))
                continue
            }
            for (id, old) in rows {
                found.append(LedgerAnomaly(.disappeared, .warning, task: id, measure: old.measure, department: old.department, at: old.location,
                    "the row (\(old.measure)) was in the ledger at the read of \(old.lastDay) and is gone now; expected rows to stay (a finished task is marked 已销号, not deleted)"))
            }
        }
        return found
    }

    /// The most recently seen first, then in ledger order, then by id. Two
    /// reads on one day can put different ids at the same row; without the
    /// id those tie, and the traces come from a dictionary, so the findings'
    /// order (and the file finding's "first:") would change from run to run.
    private static func order(_ a: (key: TaskID, value: LedgerTrail.Trace), _ b: (key: TaskID, value: LedgerTrail.Trace)) -> Bool {
        if a.value.lastDay != b.value.lastDay { return a.value.lastDay > b.value.lastDay }
        let (rowA, rowB) = (a.value.location.row ?? 0, b.value.location.row ?? 0)
        if rowA != rowB { return rowA < rowB }
        return a.key.rawValue.utf8.lexicographicallyPrecedes(b.key.rawValue.utf8)
    }
}
