import Foundation

/// A task's identity in the ledger: the 任务编号 when the ledger has one;
/// otherwise derived from the task's content, `P<序号>-<hash>`, where the hash
/// covers the problem text, the 整改措施 and the 责任人 (see
/// `RectificationTask.idIsExplicit`). A derived id does not move when rows
/// are inserted or deleted, but changes when one of those three is edited.
public struct TaskID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    public static func < (lhs: TaskID, rhs: TaskID) -> Bool {
        lhs.rawValue.compare(rhs.rawValue, options: .numeric) == .orderedAscending
    }

    // Ids are compared and hashed by their UTF-8 bytes, not by Unicode
    // canonical equivalence: an id is a code the office typed, and String's
    // normalising hash was the costliest step of loading a million tasks.
    public static func == (lhs: TaskID, rhs: TaskID) -> Bool {
        String.sameBytes(lhs.rawValue, rhs.rawValue)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.hashUTF8(of: rawValue)
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
public struct RectificationTask: Hashable, Sendable, Codable {
    public var id: TaskID
    /// False when the ledger has no 任务编号 and the id was derived from the
    /// task's content: editing the problem, measure or officer then changes it.
    public var idIsExplicit: Bool
    /// `Problem.number` of the problem this task belongs to.
    public var problemNumber: String
    /// 整改措施: what must be done.
    public var measure: String
    /// 责任部门.
    public var department: String
    /// 责任人.
    public var officer: Contact?
    /// The others named in the 责任人 cell after the first (`张伟、王芳`):
    /// copied on the officer's mail about this task.
    public var coOfficers: [Contact] {
        get { storedCoOfficers ?? [] }
        set { storedCoOfficers = newValue.isEmpty ? nil : newValue }
    }
    // Optional so that snapshots stored before it existed still decode.
    private var storedCoOfficers: [Contact]?
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
    /// 延期: a request for more time and what was granted (nil: the ledger says nothing of it).
    public var deadlineExtension: DeadlineExtension?
    /// 执行频次 of a standing measure, from its column or its 整改措施 text.
    public var cadence: StandingCadence?
    /// 最近执行日期: the latest execution of a standing measure.
    public var lastExecutedOn: LocalDate?
    /// 回头看日期: the day the look-back was done.
    public var lookBackOn: LocalDate?
    /// 回头看结果, when the ledger records one.
    public var lookBackResult: LookBackResult?
    public var source: SourceLocation

    public init(
        id: TaskID, idIsExplicit: Bool, problemNumber: String, measure: String = "",
        department: String = "", officer: Contact? = nil, leader: Contact? = nil,
        deadline: Deadline = .missing, deadlineText: String = "", checkpoints: [Checkpoint] = [],
        acceptanceCriterion: String = "", progress: String = "", status: TaskStatus = .notStarted,
        statusText: String = "", completedOn: LocalDate? = nil, acceptedOn: LocalDate? = nil,
        closedOn: LocalDate? = nil, evidence: String = "", remarks: String = "",
        deadlineExtension: DeadlineExtension? = nil, cadence: StandingCadence? = nil, lastExecutedOn: LocalDate? = nil,
        lookBackOn: LocalDate? = nil, lookBackResult: LookBackResult? = nil,
        source: SourceLocation, coOfficers: [Contact] = []
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
        self.deadlineExtension = deadlineExtension
        self.cadence = cadence
        self.lastExecutedOn = lastExecutedOn
        self.lookBackOn = lookBackOn
        self.lookBackResult = lookBackResult
        self.source = source
        self.coOfficers = coOfficers
    }
}

extension Hasher {
    /// Feeds a string's UTF-8 bytes, skipping the Unicode normalisation that
    /// `String.hash(into:)` performs.
    public mutating func hashUTF8(of string: String) {
        var copy = string
        copy.withUTF8 { combine(bytes: UnsafeRawBufferPointer($0)) }
        combine(string.utf8.count)
    }
}

/// A dictionary key that compares and hashes a string by its bytes. For
/// memo tables and name lookups over millions of cells, where canonical
/// equivalence is not wanted and its cost is.
public struct ByteKey: Hashable, Sendable {
    public let string: String

    public init(_ string: String) { self.string = string }

    public static func == (lhs: ByteKey, rhs: ByteKey) -> Bool {
        String.sameBytes(lhs.string, rhs.string)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.hashUTF8(of: string)
    }
}

extension String {
    /// Byte equality of the UTF-8 forms, with memcmp rather than a generic
    /// element-by-element walk.
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        var a = a, b = b
        return a.withUTF8 { x in b.withUTF8 { y in x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
    }
}
