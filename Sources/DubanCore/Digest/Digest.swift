/// The weekly progress digest for the leadership group (领导小组), as data:
/// rendered to HTML, text, CSV and JSON, and archived.
///
/// Definitions (README, "Weekly digest"):
/// - done = completed (awaiting acceptance) + accepted + closed;
/// - completion rate (整改完成率) = done ÷ (tasks − ongoing), since a 长期坚持
///   measure is never "finished";
/// - red = open and past its due date; yellow = open and due within 7 days,
///   or not started although a checkpoint date has passed; blue = done.
public struct Digest: Sendable, Codable, Equatable {
    public var week: ISOWeek
    public var today: LocalDate
    /// The week of the previous digest compared against, if any.
    public var previousWeek: ISOWeek?
    public var counts: Counts
    public var lights: Lights
    public var departments: [DepartmentRow]
    public var overdue: [TaskRow]
    public var dueIn7Days: [TaskRow]
    public var dueIn8To30Days: [TaskRow]
    public var checkpoints: [CheckpointRow]
    public var acceptancePending: [TaskRow]
    public var lookBacksDue: [TaskRow]
    public var changes: Changes?
    public var quality: Quality
    /// Every task with its computed state (the CSV attachment).
    public var tasks: [TaskRow]

    public struct Counts: Sendable, Codable, Equatable {
        public var problems: Int
        public var tasks: Int
        public var notStarted: Int
        public var inProgress: Int
        public var completed: Int
        public var accepted: Int
        public var closed: Int
        public var ongoing: Int
        public var done: Int
        public var overdue: Int
        /// 0…100, one decimal.
        public var completionRate: Double
        public var previousCompletionRate: Double?
        /// Percentage points since the previous digest.
        public var completionRateChange: Double?
    }

    public struct Lights: Sendable, Codable, Equatable {
        public var red: Int
        public var yellow: Int
        public var blue: Int
    }

    public struct DepartmentRow: Sendable, Codable, Equatable {
        public var name: String
        public var tasks: Int
        public var done: Int
        public var overdue: Int
        public var completionRate: Double
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
        public var dueDate: LocalDate?
        /// Positive: days left; negative: days overdue.
        public var daysLeft: Int?
        public var status: TaskStatus
        public var light: Light
        /// The highest escalation step sent so far (`NotificationIdentity.step`:
        /// 1 the leader, 2 the principal, 3… the principal again); the
        /// composer words it in the reader's language.
        public var highestEscalationStep: Int?
        public var completedOn: LocalDate?
        public var closedOn: LocalDate?
        public var lookBackOn: LocalDate?
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
    }
}
