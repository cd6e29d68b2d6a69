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
///
/// A value type whose fields live in one shared, copy-on-write box: a task
/// is copied far more often than it is changed (every `for task in tasks`,
/// every filter, every stage), and a copy of the ~430 bytes of fields with
/// their dozen strings retained one by one was an eighth of loading a
/// million tasks. Now a copy retains one reference and the task array holds
/// one word per task; a change to a shared task copies the box first.
public struct RectificationTask: Hashable, Sendable, Codable {
    /// The stored fields. Those most rows leave empty (co-officers, evidence,
    /// remarks, 延期, cadence, look-back) live in a second box, absent when
    /// all are empty: ~100 bytes less per task. Encoded under the names and
    /// with the absent optionals of the plain struct the task once was, so
    /// stored snapshots read and write as before (`TaskStorageTests`).
    struct Fields: Hashable, Sendable, Codable {
        var id: TaskID
        var idIsExplicit: Bool
        var problemNumber: String
        var measure: String
        var department: String
        var officer: Contact?
        var leader: Contact?
        var deadline: Deadline
        var deadlineText: String
        var checkpoints: [Checkpoint]
        var acceptanceCriterion: String
        var progress: String
        var status: TaskStatus
        var statusText: String
        var completedOn: LocalDate?
        var acceptedOn: LocalDate?
        var closedOn: LocalDate?
        var source: SourceLocation
        /// Nil when every rare field is empty (see `Rare.isEmpty`).
        var rare: Boxed<Rare>?

        struct Rare: Hashable, Sendable {
            var storedCoOfficers: [Contact]? = nil
            var evidence: String = ""
            var remarks: String = ""
            var deadlineExtension: DeadlineExtension? = nil
            var cadence: StandingCadence? = nil
            var lastExecutedOn: LocalDate? = nil
            var lookBackOn: LocalDate? = nil
            var lookBackResult: LookBackResult? = nil

            var isEmpty: Bool {
                storedCoOfficers == nil && evidence.isEmpty && remarks.isEmpty && deadlineExtension == nil && cadence == nil
                    && lastExecutedOn == nil && lookBackOn == nil && lookBackResult == nil
            }
        }

        /// An immutable value stored out of line (an indirect case is one heap object).
        enum Boxed<Value: Hashable & Sendable>: Hashable, Sendable {
            indirect case value(Value)
            var value: Value { switch self { case .value(let value): return value } }
        }

        var rareValues: Rare {
            get { rare?.value ?? Rare() }
            set { rare = newValue.isEmpty ? nil : .value(newValue) }
        }

        init(id: TaskID, idIsExplicit: Bool, problemNumber: String, measure: String, department: String, officer: Contact?, storedCoOfficers: [Contact]?, leader: Contact?, deadline: Deadline, deadlineText: String, checkpoints: [Checkpoint], acceptanceCriterion: String, progress: String, status: TaskStatus, statusText: String, completedOn: LocalDate?, acceptedOn: LocalDate?, closedOn: LocalDate?, evidence: String, remarks: String, deadlineExtension: DeadlineExtension?, cadence: StandingCadence?, lastExecutedOn: LocalDate?, lookBackOn: LocalDate?, lookBackResult: LookBackResult?, source: SourceLocation) {
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
            self.source = source
            let rare = Rare(storedCoOfficers: storedCoOfficers, evidence: evidence, remarks: remarks, deadlineExtension: deadlineExtension, cadence: cadence, lastExecutedOn: lastExecutedOn, lookBackOn: lookBackOn, lookBackResult: lookBackResult)
            self.rare = rare.isEmpty ? nil : .value(rare)
        }

        enum CodingKeys: String, CodingKey {
            case id, idIsExplicit, problemNumber, measure, department, officer, storedCoOfficers, leader, deadline, deadlineText, checkpoints, acceptanceCriterion, progress, status, statusText, completedOn, acceptedOn, closedOn, evidence, remarks, deadlineExtension, cadence, lastExecutedOn, lookBackOn, lookBackResult, source
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                id: try c.decode(TaskID.self, forKey: .id),
                idIsExplicit: try c.decode(Bool.self, forKey: .idIsExplicit),
                problemNumber: try c.decode(String.self, forKey: .problemNumber),
                measure: try c.decode(String.self, forKey: .measure),
                department: try c.decode(String.self, forKey: .department),
                officer: try c.decodeIfPresent(Contact.self, forKey: .officer),
                storedCoOfficers: try c.decodeIfPresent([Contact].self, forKey: .storedCoOfficers),
                leader: try c.decodeIfPresent(Contact.self, forKey: .leader),
                deadline: try c.decode(Deadline.self, forKey: .deadline),
                deadlineText: try c.decode(String.self, forKey: .deadlineText),
                checkpoints: try c.decode([Checkpoint].self, forKey: .checkpoints),
                acceptanceCriterion: try c.decode(String.self, forKey: .acceptanceCriterion),
                progress: try c.decode(String.self, forKey: .progress),
                status: try c.decode(TaskStatus.self, forKey: .status),
                statusText: try c.decode(String.self, forKey: .statusText),
                completedOn: try c.decodeIfPresent(LocalDate.self, forKey: .completedOn),
                acceptedOn: try c.decodeIfPresent(LocalDate.self, forKey: .acceptedOn),
                closedOn: try c.decodeIfPresent(LocalDate.self, forKey: .closedOn),
                evidence: try c.decode(String.self, forKey: .evidence),
                remarks: try c.decode(String.self, forKey: .remarks),
                deadlineExtension: try c.decodeIfPresent(DeadlineExtension.self, forKey: .deadlineExtension),
                cadence: try c.decodeIfPresent(StandingCadence.self, forKey: .cadence),
                lastExecutedOn: try c.decodeIfPresent(LocalDate.self, forKey: .lastExecutedOn),
                lookBackOn: try c.decodeIfPresent(LocalDate.self, forKey: .lookBackOn),
                lookBackResult: try c.decodeIfPresent(LookBackResult.self, forKey: .lookBackResult),
                source: try c.decode(SourceLocation.self, forKey: .source))
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            let rare = rareValues
            try c.encode(id, forKey: .id)
            try c.encode(idIsExplicit, forKey: .idIsExplicit)
            try c.encode(problemNumber, forKey: .problemNumber)
            try c.encode(measure, forKey: .measure)
            try c.encode(department, forKey: .department)
            try c.encodeIfPresent(officer, forKey: .officer)
            try c.encodeIfPresent(rare.storedCoOfficers, forKey: .storedCoOfficers)
            try c.encodeIfPresent(leader, forKey: .leader)
            try c.encode(deadline, forKey: .deadline)
            try c.encode(deadlineText, forKey: .deadlineText)
            try c.encode(checkpoints, forKey: .checkpoints)
            try c.encode(acceptanceCriterion, forKey: .acceptanceCriterion)
            try c.encode(progress, forKey: .progress)
            try c.encode(status, forKey: .status)
            try c.encode(statusText, forKey: .statusText)
            try c.encodeIfPresent(completedOn, forKey: .completedOn)
            try c.encodeIfPresent(acceptedOn, forKey: .acceptedOn)
            try c.encodeIfPresent(closedOn, forKey: .closedOn)
            try c.encode(rare.evidence, forKey: .evidence)
            try c.encode(rare.remarks, forKey: .remarks)
            try c.encodeIfPresent(rare.deadlineExtension, forKey: .deadlineExtension)
            try c.encodeIfPresent(rare.cadence, forKey: .cadence)
            try c.encodeIfPresent(rare.lastExecutedOn, forKey: .lastExecutedOn)
            try c.encodeIfPresent(rare.lookBackOn, forKey: .lookBackOn)
            try c.encodeIfPresent(rare.lookBackResult, forKey: .lookBackResult)
            try c.encode(source, forKey: .source)
        }
    }

    /// Mutated only while uniquely referenced (see `update`), so sharing it
    /// between threads is sharing an immutable value.
    private final class Box: @unchecked Sendable {
        var fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private var box: Box

    /// Changes the fields in place when this task is the box's only owner,
    /// else in a copy of the box first.
    private mutating func update(_ change: (inout Fields) -> Void) {
        if !isKnownUniquelyReferenced(&box) { box = Box(box.fields) }
        change(&box.fields)
    }

    public var id: TaskID {
        get { box.fields.id }
        set { update { $0.id = newValue } }
    }
    /// False when the ledger has no 任务编号 and the id was derived from the
    /// task's content: editing the problem, measure or officer then changes it.
    public var idIsExplicit: Bool {
        get { box.fields.idIsExplicit }
        set { update { $0.idIsExplicit = newValue } }
    }
    /// `Problem.number` of the problem this task belongs to.
    public var problemNumber: String {
        get { box.fields.problemNumber }
        set { update { $0.problemNumber = newValue } }
    }
    /// 整改措施: what must be done.
    public var measure: String {
        get { box.fields.measure }
        set { update { $0.measure = newValue } }
    }
    /// 责任部门.
    public var department: String {
        get { box.fields.department }
        set { update { $0.department = newValue } }
    }
    /// 责任人.
    public var officer: Contact? {
        get { box.fields.officer }
        set { update { $0.officer = newValue } }
    }
    /// The others named in the 责任人 cell after the first (`张伟、王芳`):
    /// copied on the officer's mail about this task.
    public var coOfficers: [Contact] {
        get { box.fields.rare?.value.storedCoOfficers ?? [] }
        // Stored as an optional so that snapshots stored before it existed still decode.
        set { update { $0.rareValues.storedCoOfficers = newValue.isEmpty ? nil : newValue } }
    }
    /// 分管领导.
    public var leader: Contact? {
        get { box.fields.leader }
        set { update { $0.leader = newValue } }
    }
    public var deadline: Deadline {
        get { box.fields.deadline }
        set { update { $0.deadline = newValue } }
    }
    /// The deadline cell as written, for messages and diagnostics.
    public var deadlineText: String {
        get { box.fields.deadlineText }
        set { update { $0.deadlineText = newValue } }
    }
    public var checkpoints: [Checkpoint] {
        get { box.fields.checkpoints }
        set { update { $0.checkpoints = newValue } }
    }
    /// 验收标准.
    public var acceptanceCriterion: String {
        get { box.fields.acceptanceCriterion }
        set { update { $0.acceptanceCriterion = newValue } }
    }
    /// 整改进展.
    public var progress: String {
        get { box.fields.progress }
        set { update { $0.progress = newValue } }
    }
    public var status: TaskStatus {
        get { box.fields.status }
        set { update { $0.status = newValue } }
    }
    /// The status cell as written.
    public var statusText: String {
        get { box.fields.statusText }
        set { update { $0.statusText = newValue } }
    }
    public var completedOn: LocalDate? {
        get { box.fields.completedOn }
        set { update { $0.completedOn = newValue } }
    }
    public var acceptedOn: LocalDate? {
        get { box.fields.acceptedOn }
        set { update { $0.acceptedOn = newValue } }
    }
    public var closedOn: LocalDate? {
        get { box.fields.closedOn }
        set { update { $0.closedOn = newValue } }
    }
    /// 佐证材料.
    public var evidence: String {
        get { box.fields.rare?.value.evidence ?? "" }
        set { update { $0.rareValues.evidence = newValue } }
    }
    /// 备注.
    public var remarks: String {
        get { box.fields.rare?.value.remarks ?? "" }
        set { update { $0.rareValues.remarks = newValue } }
    }
    /// 延期: a request for more time and what was granted (nil: the ledger says nothing of it).
    public var deadlineExtension: DeadlineExtension? {
        get { box.fields.rare?.value.deadlineExtension }
        set { update { $0.rareValues.deadlineExtension = newValue } }
    }
    /// 执行频次 of a standing measure, from its column or its 整改措施 text.
    public var cadence: StandingCadence? {
        get { box.fields.rare?.value.cadence }
        set { update { $0.rareValues.cadence = newValue } }
    }
    /// 最近执行日期: the latest execution of a standing measure.
    public var lastExecutedOn: LocalDate? {
        get { box.fields.rare?.value.lastExecutedOn }
        set { update { $0.rareValues.lastExecutedOn = newValue } }
    }
    /// 回头看日期: the day the look-back was done.
    public var lookBackOn: LocalDate? {
        get { box.fields.rare?.value.lookBackOn }
        set { update { $0.rareValues.lookBackOn = newValue } }
    }
    /// 回头看结果, when the ledger records one.
    public var lookBackResult: LookBackResult? {
        get { box.fields.rare?.value.lookBackResult }
        set { update { $0.rareValues.lookBackResult = newValue } }
    }
    public var source: SourceLocation {
        get { box.fields.source }
        set { update { $0.source = newValue } }
    }

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
        box = Box(Fields(
            id: id,
            idIsExplicit: idIsExplicit,
            problemNumber: problemNumber,
            measure: measure,
            department: department,
            officer: officer,
            storedCoOfficers: coOfficers.isEmpty ? nil : coOfficers,
            leader: leader,
            deadline: deadline,
            deadlineText: deadlineText,
            checkpoints: checkpoints,
            acceptanceCriterion: acceptanceCriterion,
            progress: progress,
            status: status,
            statusText: statusText,
            completedOn: completedOn,
            acceptedOn: acceptedOn,
            closedOn: closedOn,
            evidence: evidence,
            remarks: remarks,
            deadlineExtension: deadlineExtension,
            cadence: cadence,
            lastExecutedOn: lastExecutedOn,
            lookBackOn: lookBackOn,
            lookBackResult: lookBackResult,
            source: source))
    }

    public static func == (lhs: RectificationTask, rhs: RectificationTask) -> Bool {
        lhs.box === rhs.box || lhs.box.fields == rhs.box.fields
    }

    public func hash(into hasher: inout Hasher) {
        box.fields.hash(into: &hasher)
    }

    public init(from decoder: any Decoder) throws {
        box = Box(try Fields(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try box.fields.encode(to: encoder)
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
    public static func sameBytes(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        var a = a, b = b
        return a.withUTF8 { x in b.withUTF8 { y in x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
    }
}
