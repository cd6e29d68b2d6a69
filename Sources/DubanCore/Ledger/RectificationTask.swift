import Foundation

/// A task's identity in the ledger. Stable across edits when the ledger has a
/// 任务编号 column; otherwise derived from the problem number and the task's
/// position under it (see `RectificationTask.idIsExplicit`).
public struct TaskID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    public static func < (lhs: TaskID, rhs: TaskID) -> Bool {
        lhs.rawValue.compare(rhs.rawValue, options: .numeric) == .orderedAscending
    }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A problem fed back by the inspection (问题). One problem is split into
/// one or more tasks.
public struct Problem: Hashable, Sendable, Codable {
    /// 序号 as written in the ledger ("1", "一", "3-2" …).
    public var number: String
    public var category: String
    public var description: String
    public var source: SourceLocation

    public init(number: String, category: String = "", description: String = "", source: SourceLocation) {
        self.number = number
        self.category = category
        self.description = description
        self.source = source
    }
}

/// A person named in the ledger, with an address when the ledger or the
/// people directory gives one.
public struct Contact: Hashable, Sendable, Codable {
    public var name: String
    public var email: String?

    public init(name: String, email: String? = nil) {
        self.name = name
        self.email = email
    }
}

/// One rectification task (整改任务 / 整改措施): one row of the ledger.
///
/// Named `RectificationTask`, not `Task`, so that it never shadows Swift
/// concurrency's `Task` in modules that import DubanCore.
public struct RectificationTask: Hashable, Sendable {
    public var id: TaskID
    /// False when the ledger has no 任务编号 and the id was derived from the
    /// row's position: inserting a row above then changes later ids.
    public var idIsExplicit: Bool
    /// `Problem.number` of the problem this task belongs to.
    public var problemNumber: String
    /// 整改措施: what must be done.
    public var measure: String
    /// 责任部门.
    public var department: String
    /// 责任人.
    public var officer: Contact?
    /// 分管领导.
    public var leader: Contact?
    public var deadline: Deadline
    /// The deadline cell as written, for messages and diagnostics.
    public var deadlineText: String
    public var checkpoints: [Checkpoint]
    /// 验收标准.
    public var acceptanceCriterion: String
    /// 整改进展.
    public var progress: String
    public var status: TaskStatus
    /// The status cell as written.
    public var statusText: String
    public var completedOn: LocalDate?
    public var acceptedOn: LocalDate?
    public var closedOn: LocalDate?
    /// 佐证材料.
    public var evidence: String
    /// 备注.
    public var remarks: String
    public var source: SourceLocation

    public init(
        id: TaskID, idIsExplicit: Bool, problemNumber: String, measure: String = "",
        department: String = "", officer: Contact? = nil, leader: Contact? = nil,
        deadline: Deadline = .missing, deadlineText: String = "", checkpoints: [Checkpoint] = [],
        acceptanceCriterion: String = "", progress: String = "", status: TaskStatus = .notStarted,
        statusText: String = "", completedOn: LocalDate? = nil, acceptedOn: LocalDate? = nil,
        closedOn: LocalDate? = nil, evidence: String = "", remarks: String = "", source: SourceLocation
    ) {
        self.id = id
        self.idIsExplicit = idIsExplicit
        self.problemNumber = problemNumber
        self.measure = measure
        self.department = department
        self.officer = officer
        self.leader = leader
        self.deadline = deadline
        self.deadlineText = deadlineText
        self.checkpoints = checkpoints
        self.acceptanceCriterion = acceptanceCriterion
        self.progress = progress
        self.status = status
        self.statusText = statusText
        self.completedOn = completedOn
        self.acceptedOn = acceptedOn
        self.closedOn = closedOn
        self.evidence = evidence
        self.remarks = remarks
        self.source = source
    }
}
