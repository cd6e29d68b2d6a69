/// Something in the ledger that is readable but not believable: a blank or
/// crowded 责任人 cell, dates that contradict the status, or (from the stored
/// snapshots) a history the ledger now tells differently. `check` prints each
/// one as a diagnostic; the digest lists them under 台账异常 so the
/// leadership group sees a ledger that is being gamed or mistyped.
public struct LedgerAnomaly: Sendable, Codable, Hashable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// 责任人 blank although the ledger has the column.
        case blankOfficer = "blank_officer"
        /// Several people in one 责任人 cell.
        case severalOfficers = "several_officers"
        /// 已销号 with neither 验收日期 nor 完成日期.
        case closedWithoutDates = "closed_without_dates"
        /// 未整改 / 整改中 with a 完成日期.
        case openWithCompletionDate = "open_with_completion_date"
        /// Done (已完成 or later) with no 佐证材料.
        case doneWithoutEvidence = "done_without_evidence"
        /// A 完成日期 after today.
        case completionInFuture = "completion_in_future"
        /// A 完成日期 earlier than a stored read in which the task was still open.
        case backDated = "back_dated"
        /// Done in a stored read, open now.
        case reopened
        /// In a stored read, gone from the ledger now.
        case disappeared
        /// The deadline changed more than once across the stored reads.
        case deadlineMovedAgain = "deadline_moved_again"
        /// The due date changed between two reads with no approved extension
        /// (延期至 and 延期批准人) behind it (Planner+Extension.swift).
        case unapprovedDeadlineChange = "unapproved_deadline_change"

        /// The heading in English templates.
        public var englishLabel: String {
            switch self {
            case .blankOfficer: return "blank 责任人"
            case .severalOfficers: return "several people as 责任人"
            case .closedWithoutDates: return "closed without acceptance or completion date"
            case .openWithCompletionDate: return "open with a completion date"
            case .doneWithoutEvidence: return "done without evidence"
            case .completionInFuture: return "completion date in the future"
            case .backDated: return "back-dated completion"
            case .reopened: return "reopened"
            case .disappeared: return "row deleted"
            case .deadlineMovedAgain: return "deadline moved more than once"
            case .unapprovedDeadlineChange: return "deadline changed without an approved extension"
            }
        }

        /// The heading users see in the digest.
        public var label: String {
            switch self {
            case .blankOfficer: return "责任人未填写"
            case .severalOfficers: return "一格多名责任人"
            case .closedWithoutDates: return "已销号但无验收或完成日期"
            case .openWithCompletionDate: return "未完成却填有完成日期"
            case .doneWithoutEvidence: return "已完成但无佐证材料"
            case .completionInFuture: return "完成日期晚于今天"
            case .backDated: return "完成日期倒填"
            case .reopened: return "完成后又改为未完成"
            case .disappeared: return "任务行被删除"
            case .deadlineMovedAgain: return "整改时限多次变更"
            case .unapprovedDeadlineChange: return "时限未经批准变更"
            }
        }
    }

    public var kind: Kind
    public var severity: Diagnostic.Severity
    /// The task concerned; nil for a finding about a whole file.
    public var task: TaskID?
    public var measure: String
    public var department: String
    /// The cell to look at (for a deleted row: where it was last seen).
    public var location: SourceLocation
    /// What is wrong and what was expected (`diagnostic` puts the task in front).
    public var message: String

    public init(_ kind: Kind, _ severity: Diagnostic.Severity, task: TaskID?, measure: String = "", department: String = "",
                at location: SourceLocation, _ message: String) {
        self.kind = kind
        self.severity = severity
        self.task = task
        self.measure = measure
        self.department = department
        self.location = location
        self.message = message
    }

    /// The finding as `check` prints it: `task T1: …`.
    public var diagnostic: Diagnostic { Diagnostic(severity, location, task.map { "task \($0): \(message)" } ?? message) }
}
