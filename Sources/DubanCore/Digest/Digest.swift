/// The weekly progress digest for the leadership group (领导小组), as data:
/// rendered to HTML, text, CSV and JSON, and archived.
///
/// Definitions (README, "Weekly digest"):
/// - done = completed (awaiting acceptance) + accepted + closed;
/// - standing (长期坚持) = 长期坚持 by status or by deadline: never in the
///   denominator (nor the numerator) of any rate, since it is never "finished";
/// - completion rate (整改完成率) = done ÷ tasks, both without standing tasks;
/// - on-time rate (按期完成率) = done on or before the due date ÷ done, over
///   the done tasks whose due date and completion day are both known;
/// - a problem is rectified when it has a task that is not standing and all
///   of those are done (the stage report's definition);
/// - red = open and past its due date; yellow = open and due within 7 days,
///   not started although a checkpoint date has passed, or progress text
///   unchanged over the last `staleWeeks` weekly reads; blue = done.
///
/// Sections added by other features are plain stored properties filled by
/// the builder, each with one block in the templates.
public struct Digest: Sendable, Codable, Equatable {
    public var week: ISOWeek
    public var today: LocalDate
    /// The week of the previous digest compared against, if any.
    public var previousWeek: ISOWeek?
    public var counts: Counts
    public var lights: Lights
    /// Most overdue first.
    public var departments: [GroupRow]
    /// Per supervising leader (分管领导), most overdue first.
    public var leaders: [GroupRow]
    public var overdue: [TaskRow]
    /// Yellow tasks, by name, with why each is yellow.
    public var yellow: [TaskRow]
    public var dueIn7Days: [TaskRow]
    public var dueIn8To30Days: [TaskRow]
    public var checkpoints: [CheckpointRow]
    public var acceptancePending: [TaskRow]
    public var lookBacksDue: [TaskRow]
    public var changes: Changes?
    public var quality: Quality
    /// Completion rate and overdue count of every archived week, oldest
    /// first, ending with this digest's own week.
    public var trend: [TrendPoint]
    /// Every task with its computed state (the CSV attachment).
    public var tasks: [TaskRow]
    /// 延期 requests awaiting the office's decision (Digest+Periodic.swift).
    public var pendingExtensions: [ExtensionRow] = []
    /// Extensions granted in the ledger: original date, new date, approver.
    public var approvedExtensions: [ExtensionRow] = []
    /// 长期坚持 measures, each on schedule or behind.
    public var standingMeasures: [StandingRow] = []
    /// 台账异常: due dates that changed between two reads with no approved
    /// extension behind them, seen in the last 7 days.
    public var unapprovedDeadlineChanges: [DeadlineChange] = []
    /// 反弹: tasks that were accepted or closed and are open again, or whose
    /// 回头看 found the problem back. Never listed as a moved deadline.
    public var rebounds: [ReboundRow] = []
    /// 拟约谈: open tasks whose 约谈 notice has gone out, until they are done.
    public var interviewsProposed: [TaskRow] = []
    /// `[digest] stale_weeks` when this digest was built: how many weekly
    /// reads of unchanged progress made a task yellow. Optional so a digest
    /// archived before it was recorded still decodes.
    public var staleWeeks: Int?

    /// One 反弹: the task, when it was closed (or accepted) and what changed.
    public struct ReboundRow: Sendable, Codable, Equatable {
        public var task: TaskRow
        /// 销号日期, or the first day Duban saw it accepted or closed.
        public var closedOn: LocalDate?
        /// What it was before it reopened (`.accepted`, `.closed`); nil for a 回头看 result.
        public var was: TaskStatus?
        /// The day Duban saw it open again; nil for a 回头看 result.
        public var reopenedOn: LocalDate?
        /// The 回头看结果 that found the problem back, if that is how it was found.
        public var lookBackResult: LookBackResult?
        public var lookBackOn: LocalDate?
    }

    public struct Counts: Sendable, Codable, Equatable {
        public var problems: Int
        public var tasks: Int
        public var notStarted: Int
        public var inProgress: Int
        public var completed: Int
        public var accepted: Int
        public var closed: Int
        public var ongoing: Int
        /// 长期坚持 by status or deadline: left out of every rate.
        public var standing: Int
        public var done: Int
        public var overdue: Int
        /// Problems with a task that is not standing.
        public var problemsMeasured: Int
        /// Problems whose non-standing tasks are all done.
        public var problemsRectified: Int
        /// problemsRectified ÷ problemsMeasured, 0…100, one decimal.
        public var problemRectificationRate: Double
        /// 0…100, one decimal.
        public var completionRate: Double
        /// Done tasks with a known due date and completion day (the on-time denominator).
        public var doneJudged: Int
        public var doneOnTime: Int
        /// doneOnTime ÷ doneJudged, 0…100, one decimal; nil when nothing can be judged.
        public var onTimeRate: Double?
        /// Done tasks finished after their due date (completion day known).
        public var lateDone: Int
        /// Mean days from the due date to completion over `lateDone`, one decimal.
        public var averageDaysLateDone: Double?
        /// Mean days past the due date, to today, over the `overdue` tasks
        /// (open, not standing), one decimal. Told apart from `lateDone`: a
        /// task finished late and one still open are different news.
        public var averageDaysOverdue: Double?
        /// Mean days late over done-late and overdue tasks together, one
        /// decimal: the figure before the two were told apart, kept for
        /// templates overridden against it (`average_days_late`).
        public var averageDaysLate: Double? = nil
        public var previousCompletionRate: Double?
        /// Percentage points since the previous digest.
        public var completionRateChange: Double?

        /// Tasks the completion rate is measured over (standing measures left out).
        public var measured: Int { tasks - standing }
    }

    public struct Lights: Sendable, Codable, Equatable {
        public var red: Int
        public var yellow: Int
        public var blue: Int
    }

    /// Figures of a department or a supervising leader.
    public struct GroupRow: Sendable, Codable, Equatable {
        public var name: String
        public var tasks: Int
        public var done: Int
        public var overdue: Int
        public var completionRate: Double
        public var onTimeRate: Double?
    }

    public typealias DepartmentRow = GroupRow

    /// Why a task is yellow.
    public enum YellowReason: String, Sendable, Codable {
        /// Open and due within 7 days.
        case dueSoon = "due_soon"
        /// Not started although a checkpoint date has passed.
        case checkpointPassed = "checkpoint_passed"
        /// The same progress text over the last `staleWeeks` weekly reads.
        case progressStale = "progress_stale"
    }

    /// A notice the log records as sent about a task.
    public struct Notice: Sendable, Codable, Equatable {
        public var kind: NotificationKind
        public var step: Int
        public var on: LocalDate

        public init(kind: NotificationKind, step: Int, on: LocalDate) {
            self.kind = kind
            self.step = step
            self.on = on
        }
    }

    /// One week of the trend.
    public struct TrendPoint: Sendable, Codable, Equatable {
        public var week: ISOWeek
        public var completionRate: Double
        public var overdue: Int

        public init(week: ISOWeek, completionRate: Double, overdue: Int) {
            self.week = week
            self.completionRate = completionRate
            self.overdue = overdue
        }
    }

    public enum Light: String, Sendable, Codable {
        case red, yellow, blue, none
    }

    public struct TaskRow: Sendable, Codable, Equatable {
        public var id: String
        public var problem: String
        public var problemDescription: String
        public var measure: String
        public var department: String
        public var officer: String
        public var leader: String
        /// The due date, or the deadline as written when there is none.
        public var deadline: String
        /// The 整改时限 cell as written.
        public var deadlineText: String
        public var dueDate: LocalDate?
        /// What the 整改时限 cell says (a plain date, 立行立改, a date then
        /// 长期坚持 …), so a copy of the ledger writes it back as it was.
        public var deadlineKind: Deadline.Kind
        public var checkpoints: String
        public var acceptanceCriterion: String
        /// 整改进展.
        public var progress: String
        public var evidence: String
        public var remarks: String
        public var standing: Bool
        /// Positive: days left; negative: days overdue.
        public var daysLeft: Int?
        public var status: TaskStatus
        public var light: Light
        /// The highest escalation step sent so far (`NotificationIdentity.step`:
        /// 1 the leader, 2 the principal, 3… the principal again); the
        /// composer words it in the reader's language.
        public var highestEscalationStep: Int?
        public var completedOn: LocalDate?
        public var acceptedOn: LocalDate?
        public var closedOn: LocalDate?
        public var lookBackOn: LocalDate?
        public var yellowReasons: [YellowReason]
        /// Notices the log records as sent about the task.
        public var noticesSent: Int
        public var lastNotice: LocalDate?
        /// The notices themselves, oldest first (overdue tasks only, to keep the archive small).
        public var notices: [Notice]
        /// How many escalation notices the log shows as sent (or queued to
        /// go out) for this task: what "已督办 N 次" counts.
        public var escalationsSent: Int? = nil
    }

    public struct CheckpointRow: Sendable, Codable, Equatable {
        public var task: String
        public var date: LocalDate
        public var label: String
        public var department: String
        public var officer: String
    }

    public struct Move: Sendable, Codable, Equatable {
        public var task: String
        public var measure: String
        public var from: String
        public var to: String

        public init(task: String, measure: String, from: String, to: String) {
            self.task = task
            self.measure = measure
            self.from = from
            self.to = to
        }
    }

    public struct Changes: Sendable, Codable, Equatable {
        public var newlyCompleted: [TaskRow]
        public var newlyClosed: [TaskRow]
        public var newlyOverdue: [TaskRow]
        public var deadlinesMoved: [Move]
        public var added: [TaskRow]
        public var removed: [TaskRow]
    }

    public struct Quality: Sendable, Codable, Equatable {
        public var unreadableDeadlines: [TaskRow]
        public var unreachablePeople: [UnreachablePerson]
        public var missingCalendarYears: [Int]
        public var failedMail: Int
        public var ledgerErrors: Int
        /// 台账异常: what the ledger says that cannot all be true, and what
        /// the stored reads show it changed (`LedgerAudit`, `LedgerHistory`).
        public var ledgerAnomalies: [LedgerAnomaly]
        /// The oldest stored read the 台账异常 history covers (nil: none yet).
        public var historySince: LocalDate? = nil
        /// Stored reads left out of that history because they do not decode.
        public var undecodableReads = 0
    }
}
