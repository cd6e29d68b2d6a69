/// The 台账异常 findings of one read: what a single ledger says that cannot
/// all be true. Pure: the snapshot, today and the policy are passed in.
///
/// What Duban believes when a row contradicts itself (README, "Ledger
/// anomalies"): the 完成情况 word wins over a 完成日期 (an open task with a
/// completion date stays open and keeps getting mail); a blank 责任人's mail
/// goes to the office; in a cell naming several people the first is the
/// officer and the others are copied.
public enum LedgerAudit {
    public static func inspect(_ snapshot: LedgerSnapshot, today: LocalDate, requireEvidence: Bool) -> [LedgerAnomaly] {
        var found: [LedgerAnomaly] = []
        // Per file without a 佐证材料 column: how many done tasks, and the first.
        var evidenceless: [String: (count: Int, first: RectificationTask)] = [:]
        var fileOrder: [String] = []
        // The columns of the task's file, looked up again only when the file
        // changes: tasks come file by file, and hashing the path of every
        // task of a million was a tenth of this audit.
        var columnsFile: String?
        var columns: [LedgerField: Int] = [:]
        for task in snapshot.tasks {
            func add(_ kind: LedgerAnomaly.Kind, _ severity: Diagnostic.Severity, _ field: LedgerField?, _ message: String) {
                found.append(LedgerAnomaly(kind, severity, task: task.id, measure: task.measure, department: task.department,
                                           at: snapshot.location(task.source, field), message))
            }
            if task.source.file != columnsFile {
                columnsFile = task.source.file
                columns = snapshot.columns[task.source.file] ?? [:]
            }

            if task.officer == nil, columns[.officer] != nil {
                add(.blankOfficer, .error, .officer,
                    "责任人 is blank; expected the name of the responsible officer. The task still counts, and its mail goes to the office")
            }
            if let officer = task.officer, !task.coOfficers.isEmpty {
                let others = task.coOfficers.map(\.name).joined(separator: "、")
                add(.severalOfficers, .warning, .officer,
                    "责任人 names \(task.coOfficers.count + 1) people; \(officer.name) is taken as the officer and \(others) \(task.coOfficers.count == 1 ? "is" : "are") copied on the officer's mail. Expected one name per cell")
            }
            if task.status == .closed, task.acceptedOn == nil, task.completedOn == nil {
                // Where the 已销号 came from: a 销号日期/销号情况 cell when the 完成情况 says nothing.
                let field: LedgerField = task.statusText.isEmpty && columns[.closedOn] != nil ? .closedOn
                    : columns[.acceptedOn] != nil ? .acceptedOn : columns[.completedOn] != nil ? .completedOn : .status
                add(.closedWithoutDates, .warning, field,
                    "已销号 but neither 验收日期 nor 完成日期 is filled; expected the date the task was accepted (验收日期) or completed (完成日期)")
            }
            if let completed = task.completedOn, task.status == .notStarted || task.status == .inProgress {
                add(.openWithCompletionDate, .warning, .completedOn,
                    "完成情况 says \(LedgerTrail.said(task)) but 完成日期 is \(completed); Duban believes the 完成情况 and keeps the task open (reminders and escalations go on). Expected 已完成 with the date, or no 完成日期")
            }
            if task.status.isDone, task.evidence.allSatisfy(\.isWhitespace) {
                if columns[.evidence] != nil {
                    add(.doneWithoutEvidence, requireEvidence ? .error : .warning, .evidence,
                        "\(LedgerTrail.said(task)) but 佐证材料 is empty; expected the evidence of the work (document, file number or link)")
                } else {
                    if evidenceless[task.source.file] == nil { fileOrder.append(task.source.file) }
                    evidenceless[task.source.file, default: (0, task)].count += 1
                }
            }
            if let completed = task.completedOn, completed > today {
                add(.completionInFuture, .error, .completedOn,
                    "完成日期 \(completed) is after today (\(today)); expected the day the work was actually completed")
            }
        }
        // Without the column, one finding per file rather than one per done task.
        for file in fileOrder {
            let (count, first) = evidenceless[file]!
            found.append(LedgerAnomaly(.doneWithoutEvidence, requireEvidence ? .error : .warning, task: nil,
                                       at: SourceLocation(file: file, row: first.source.row),
                                       "no 佐证材料 column: \(count) task(s) marked done (first: \(first.id)) have no evidence recorded; expected a 佐证材料 column naming each one's evidence"))
        }
        return found
    }

    /// Everything `check` and the digest report: this read's findings, then
    /// what the stored reads show (none without a trail).
    public static func findings(_ snapshot: LedgerSnapshot, history: LedgerTrail?, today: LocalDate, requireEvidence: Bool) -> [LedgerAnomaly] {
        inspect(snapshot, today: today, requireEvidence: requireEvidence) + (history.map { LedgerHistory.compare($0, current: snapshot) } ?? [])
    }
}
