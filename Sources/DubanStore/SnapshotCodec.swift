public import DubanCore
public import Foundation
import CDubanZlib

/// How a `LedgerSnapshot` is stored (`ledgerSnapshot.payload`, in both
/// stores): a compact binary form written and read by hand.
///
/// Snapshots used to be stored as JSON; decoding one of 100k tasks with
/// Foundation's `JSONDecoder` took seconds and most of `check`'s time once a
/// state database existed (the 台账异常 history reads every stored snapshot,
/// the last good read is read again to name edited task ids). The binary
/// form keeps each distinct text once, in a table at the front, and a task
/// refers to its texts by number: a ledger's departments, people, statuses
/// and file names are written once, decoded once, and the decoded snapshot's
/// tasks share one `String` each (equal texts share storage in memory too).
/// Integers are LEB128 varints, dates `year << 9 | month << 5 | day`, enums
/// their raw values (texts of the table, so reordering a Swift enum's cases
/// changes nothing stored).
///
/// Layout, version 1:
///
///     "DSNP" · version (1 byte) · length of the rest (varint) · CRC-32 of the rest (4 bytes, little-endian)
///     rest: texts (count, then each: UTF-8 length, bytes)
///           problems (count, each: number, category, description, location)
///           tasks (count, each as `writeTask`)
///           diagnostics (count, each: severity, location, message)
///           columns (count of files, each: file, count, each: field, column)
///
/// A payload stored by an earlier Duban is JSON (it starts with `{`) and is
/// still read, with `JSONDecoder`. A payload that is neither, is cut short,
/// fails its checksum or does not parse is a `StoreError` (`.corrupt`) that
/// says which, never a crash. Encoding is deterministic (the columns are
/// written in sorted order), so one ledger always gives the same bytes and
/// unchanged stored copies can be recognised by comparing bytes.
///
/// Every field of every type is written: `SnapshotCodecTests` compares the
/// round trip with `Codable`'s on random snapshots that set all of them, so a
/// field added to a ledger type and forgotten here fails that test.
public enum SnapshotCodec {
    static let magic: [UInt8] = Array("DSNP".utf8)
    static let version: UInt8 = 1

    /// The stored form of `snapshot`.
    public static func encode(_ snapshot: LedgerSnapshot) -> Data {
        var body = Writer()
        body.write(snapshot)
        let rest = body.table() + body.bytes
        var header = magic
        header.append(version)
        Writer.appendVarint(UInt64(rest.count), to: &header)
        let checksum = crc(rest)
        for shift in stride(from: 0, to: 32, by: 8) { header.append(UInt8(truncatingIfNeeded: checksum >> UInt32(shift))) }
        var payload = Data(capacity: header.count + rest.count)
        payload.append(contentsOf: header)
        payload.append(contentsOf: rest)
        return payload
    }

    /// A stored payload read back: the binary form, or JSON stored by an
    /// earlier Duban. `store` names the database and `name` the snapshot in
    /// the error.
    public static func decode(_ payload: Data, in store: String, name: String = "a stored ledger snapshot") throws(StoreError) -> LedgerSnapshot {
        switch kind(of: payload) {
        case .binary:
            let result: Result<LedgerSnapshot, Malformed> = payload.withUnsafeBytes { raw in
                do throws(Malformed) {
                    return .success(try decodeBinary(raw))
                } catch {
                    return .failure(error)
                }
            }
            switch result {
            case .success(let snapshot): return snapshot
            case .failure(let failure):
                throw StoreError(.corrupt, "state database \(store): \(name) (\(payload.count) bytes) is damaged: \(failure.reason)")
            }
        case .json:
            do {
                return try JSONDecoder.duban.decode(LedgerSnapshot.self, from: payload)
            } catch {
                throw StoreError(.corrupt, "state database \(store): \(name) (JSON, \(payload.count) bytes) does not decode: \(error)")
            }
        case .unknown:
            let start = payload.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
            throw StoreError(.corrupt, "state database \(store): \(name) (\(payload.count) bytes) is neither Duban's binary form nor JSON (it starts with \(start.isEmpty ? "nothing" : start))")
        }
    }

    enum Kind { case binary, json, unknown }

    /// Which form a payload is in: the magic, or JSON's `{` (after any white space).
    static func kind(of payload: Data) -> Kind {
        if payload.starts(with: magic) { return .binary }
        for byte in payload {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): continue
            case UInt8(ascii: "{"): return .json
            default: return .unknown
            }
        }
        return .unknown
    }

    static func crc(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return UInt32(crc32(0, nil, 0)) }
        // zlib takes a 32-bit length: long inputs are fed in pieces.
        var value = crc32(0, nil, 0)
        var offset = 0
        while offset < bytes.count {
            let piece = min(bytes.count - offset, 1 << 30)
            value = crc32(value, base + offset, UInt32(piece))
            offset += piece
        }
        return UInt32(truncatingIfNeeded: value)
    }

    static func crc(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { crc($0) }
    }

    /// What is wrong with a binary payload, for the error.
    struct Malformed: Error {
        var reason: String
    }

    static func decodeBinary(_ raw: UnsafeRawBufferPointer) throws(Malformed) -> LedgerSnapshot {
        var header = Reader(raw, from: magic.count)
        let version = try header.byte("the format version")
        guard version == Self.version else {
            throw Malformed(reason: "it is in format version \(version), which this Duban does not know (it reads version \(Self.version)); it was written by a newer Duban")
        }
        let length = try header.varint("the length")
        var checksum: UInt32 = 0
        for shift in stride(from: 0, to: 32, by: 8) { checksum |= UInt32(try header.byte("the checksum")) << UInt32(shift) }
        let start = header.offset
        let present = UInt64(raw.count - start)
        guard present >= length else {
            throw Malformed(reason: "it is cut short: \(present) of its \(length) bytes are there")
        }
        guard present == length else {
            throw Malformed(reason: "\(present - length) unexpected bytes follow its \(length) bytes")
        }
        let rest = UnsafeRawBufferPointer(rebasing: raw[start...])
        guard crc(rest) == checksum else {
            throw Malformed(reason: "its checksum does not match its bytes")
        }
        var reader = Reader(raw, from: start)
        let snapshot = try reader.snapshot()
        guard reader.offset == raw.count else {
            throw Malformed(reason: "\(raw.count - reader.offset) bytes are left over after the snapshot")
        }
        return snapshot
    }
}

// MARK: Writing

extension SnapshotCodec {
    struct Writer {
        var bytes: [UInt8] = []
        /// The texts in order of first use, and each one's number.
        private var texts: [String] = []
        private var numbers: [ByteKey: UInt64] = [:]

        /// The text table, to go before `bytes`.
        func table() -> [UInt8] {
            var table: [UInt8] = []
            table.reserveCapacity(texts.reduce(8) { $0 + $1.utf8.count + 2 })
            Self.appendVarint(UInt64(texts.count), to: &table)
            for text in texts {
                Self.appendVarint(UInt64(text.utf8.count), to: &table)
                table.append(contentsOf: text.utf8)
            }
            return table
        }

        static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
            var value = value
            while value >= 0x80 {
                bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
                value >>= 7
            }
            bytes.append(UInt8(value))
        }

        mutating func varint(_ value: UInt64) { Self.appendVarint(value, to: &bytes) }
        mutating func count(_ value: Int) { varint(UInt64(value)) }
        /// Zigzag: small negative numbers stay short.
        mutating func int(_ value: Int) { varint(UInt64(bitPattern: Int64((value << 1) ^ (value >> 63)))) }
        mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

        mutating func number(of text: String) -> UInt64 {
            let key = ByteKey(text)
            if let number = numbers[key] { return number }
            let number = UInt64(texts.count)
            texts.append(text)
            numbers[key] = number
            return number
        }

        mutating func text(_ text: String) { varint(number(of: text)) }
        /// 0 for nil, else the text's number + 1.
        mutating func text(_ text: String?) { varint(text.map { number(of: $0) + 1 } ?? 0) }

        static func packed(_ date: LocalDate) -> UInt64 { UInt64(date.year) << 9 | UInt64(date.month) << 5 | UInt64(date.day) }
        mutating func date(_ date: LocalDate) { varint(Self.packed(date)) }
        /// 0 for nil (no date packs to 0: months start at 1).
        mutating func date(_ date: LocalDate?) { varint(date.map(Self.packed) ?? 0) }

        mutating func location(_ location: SourceLocation) {
            text(location.file)
            bytes.append((location.row == nil ? 0 : 1) | (location.column == nil ? 0 : 2))
            if let row = location.row { int(row) }
            if let column = location.column { int(column) }
        }

        mutating func contact(_ contact: Contact?) {
            text(contact?.name)
            if let contact { text(contact.email) }
        }

        mutating func deadline(_ deadline: Deadline) {
            text(deadline.kind.rawValue)
            switch deadline {
            case .by(let date), .byThenOngoing(let date): self.date(date)
            case .immediate(let date): self.date(date)
            case .unparsed(let text): self.text(text)
            case .ongoing, .missing: break
            }
        }

        mutating func write(_ snapshot: LedgerSnapshot) {
            bytes.reserveCapacity(snapshot.tasks.count * 48 + 64)
            count(snapshot.problems.count)
            for problem in snapshot.problems {
                text(problem.number)
                text(problem.category)
                text(problem.description)
                location(problem.source)
            }
            count(snapshot.tasks.count)
            for task in snapshot.tasks { write(task) }
            count(snapshot.diagnostics.count)
            for diagnostic in snapshot.diagnostics {
                text(diagnostic.severity.rawValue)
                location(diagnostic.location)
                text(diagnostic.message)
            }
            // Sorted: the same ledger gives the same bytes in every process.
            let files = snapshot.columns.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            count(files.count)
            for (file, fields) in files {
                text(file)
                count(fields.count)
                for (field, column) in fields.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                    text(field.rawValue)
                    int(column)
                }
            }
        }

        mutating func write(_ task: RectificationTask) {
            text(task.id.rawValue)
            bool(task.idIsExplicit)
            text(task.problemNumber)
            text(task.measure)
            text(task.department)
            contact(task.officer)
            let coOfficers = task.coOfficers
            count(coOfficers.count)
            for contact in coOfficers { self.contact(contact) }
            contact(task.leader)
            deadline(task.deadline)
            text(task.deadlineText)
            let checkpoints = task.checkpoints
            count(checkpoints.count)
            for checkpoint in checkpoints {
                date(checkpoint.date)
                text(checkpoint.label)
            }
            text(task.acceptanceCriterion)
            text(task.progress)
            text(task.status.rawValue)
            text(task.statusText)
            date(task.completedOn)
            date(task.acceptedOn)
            date(task.closedOn)
            text(task.evidence)
            text(task.remarks)
            if let request = task.deadlineExtension {
                bytes.append(request.requested ? 2 : 1)
                date(request.newDeadline)
                text(request.approver)
                text(request.reason)
            } else {
                bytes.append(0)
            }
            text(task.cadence?.rawValue)
            date(task.lastExecutedOn)
            date(task.lookBackOn)
            text(task.lookBackResult?.rawValue)
            location(task.source)
        }
    }
}

// MARK: Reading

extension SnapshotCodec {
    /// A cursor over the payload's bytes; every read is bounds-checked.
    struct Reader {
        private let base: UnsafePointer<UInt8>?
        private let end: Int
        private(set) var offset: Int
        private var texts: [String] = []

        init(_ raw: UnsafeRawBufferPointer, from offset: Int) {
            base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            end = raw.count
            self.offset = offset
        }

        private func short(_ what: @autoclosure () -> String) -> Malformed {
            Malformed(reason: "it ends at byte \(end) while \(what()) was expected")
        }

        mutating func byte(_ what: @autoclosure () -> String) throws(Malformed) -> UInt8 {
            guard offset < end, let base else { throw short(what()) }
            defer { offset += 1 }
            return base[offset]
        }

        mutating func varint(_ what: @autoclosure () -> String) throws(Malformed) -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let byte = try byte(what())
                guard shift < 64, shift < 63 || byte <= 1 else { throw Malformed(reason: "\(what()) at byte \(offset - 1) is too long a number") }
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
        }

        /// A count or length: a number no larger than the bytes left could need.
        mutating func count(_ what: @autoclosure () -> String) throws(Malformed) -> Int {
            let value = try varint(what())
            guard value <= UInt64(end - offset) else {
                throw Malformed(reason: "\(what()) at byte \(offset) is \(value), more than the \(end - offset) bytes left")
            }
            return Int(value)
        }

        mutating func int(_ what: @autoclosure () -> String) throws(Malformed) -> Int {
            let value = try varint(what())
            return Int(truncatingIfNeeded: Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1))
        }

        mutating func bool(_ what: @autoclosure () -> String) throws(Malformed) -> Bool {
            let at = offset
            switch try byte(what()) {
            case 0: return false
            case 1: return true
            case let other: throw Malformed(reason: "\(what()) at byte \(at) is \(other), not 0 or 1")
            }
        }

        mutating func text(_ what: @autoclosure () -> String) throws(Malformed) -> String {
            let at = offset
            let number = try varint(what())
            guard number < UInt64(texts.count) else {
                throw Malformed(reason: "\(what()) at byte \(at) refers to text \(number) of \(texts.count)")
            }
            return texts[Int(number)]
        }

        mutating func optionalText(_ what: @autoclosure () -> String) throws(Malformed) -> String? {
            let at = offset
            let number = try varint(what())
            if number == 0 { return nil }
            guard number - 1 < UInt64(texts.count) else {
                throw Malformed(reason: "\(what()) at byte \(at) refers to text \(number - 1) of \(texts.count)")
            }
            return texts[Int(number - 1)]
        }

        /// A raw value of `T`, as a text of the table.
        mutating func value<T: RawRepresentable<String>>(_ type: T.Type, _ what: @autoclosure () -> String) throws(Malformed) -> T {
            let at = offset
            let raw = try text(what())
            guard let value = T(rawValue: raw) else { throw Malformed(reason: "\(what()) at byte \(at) is \(raw), which Duban does not know") }
            return value
        }

        mutating func optionalValue<T: RawRepresentable<String>>(_ type: T.Type, _ what: @autoclosure () -> String) throws(Malformed) -> T? {
            let at = offset
            guard let raw = try optionalText(what()) else { return nil }
            guard let value = T(rawValue: raw) else { throw Malformed(reason: "\(what()) at byte \(at) is \(raw), which Duban does not know") }
            return value
        }

        private func date(packed: UInt64, at: Int, _ what: @autoclosure () -> String) throws(Malformed) -> LocalDate {
            guard packed <= UInt64(UInt32.max),
                  let date = LocalDate(year: Int(packed >> 9), month: Int(packed >> 5 & 0xF), day: Int(packed & 0x1F)) else {
                throw Malformed(reason: "\(what()) at byte \(at) is no date (\(packed))")
            }
            return date
        }

        mutating func date(_ what: @autoclosure () -> String) throws(Malformed) -> LocalDate {
            let at = offset
            return try date(packed: try varint(what()), at: at, what())
        }

        mutating func optionalDate(_ what: @autoclosure () -> String) throws(Malformed) -> LocalDate? {
            let at = offset
            let packed = try varint(what())
            return packed == 0 ? nil : try date(packed: packed, at: at, what())
        }

        mutating func location(_ what: @autoclosure () -> String) throws(Malformed) -> SourceLocation {
            let file = try text("\(what())'s file")
            let at = offset
            let present = try byte("\(what())'s row and column")
            guard present <= 3 else { throw Malformed(reason: "\(what())'s row and column at byte \(at) is \(present), not 0–3") }
            let row = present & 1 != 0 ? try int("\(what())'s row") : nil
            let column = present & 2 != 0 ? try int("\(what())'s column") : nil
            return SourceLocation(file: file, row: row, column: column)
        }

        mutating func contact(_ what: @autoclosure () -> String) throws(Malformed) -> Contact? {
            guard let name = try optionalText(what()) else { return nil }
            return Contact(name: name, email: try optionalText("\(what())'s email"))
        }

        mutating func deadline() throws(Malformed) -> Deadline {
            switch try value(Deadline.Kind.self, "a deadline's kind") {
            case .dated: return .by(try date("a deadline"))
            case .datedThenOngoing: return .byThenOngoing(try date("a deadline"))
            case .immediate: return .immediate(try optionalDate("a 立行立改 deadline's date"))
            case .ongoing: return .ongoing
            case .missing: return .missing
            case .unparsed: return .unparsed(try text("an unread deadline's text"))
            }
        }

        mutating func snapshot() throws(Malformed) -> LedgerSnapshot {
            let textCount = try count("the number of texts")
            texts.reserveCapacity(textCount)
            for _ in 0..<textCount {
                let length = try count("a text's length")
                let bytes = UnsafeBufferPointer(start: base! + offset, count: length)
                texts.append(String(decoding: bytes, as: UTF8.self))
                offset += length
            }
            let problemCount = try count("the number of problems")
            var problems: [Problem] = []
            problems.reserveCapacity(problemCount)
            for _ in 0..<problemCount {
                problems.append(Problem(number: try text("a problem's number"), category: try text("a problem's category"),
                                        description: try text("a problem's description"), source: try location("a problem")))
            }
            let taskCount = try count("the number of tasks")
            var tasks: [RectificationTask] = []
            tasks.reserveCapacity(taskCount)
            for _ in 0..<taskCount { tasks.append(try task()) }
            let diagnosticCount = try count("the number of diagnostics")
            var diagnostics: [Diagnostic] = []
            diagnostics.reserveCapacity(diagnosticCount)
            for _ in 0..<diagnosticCount {
                diagnostics.append(Diagnostic(try value(Diagnostic.Severity.self, "a diagnostic's severity"),
                                              try location("a diagnostic"), try text("a diagnostic's message")))
            }
            var snapshot = LedgerSnapshot(problems: problems, tasks: tasks, diagnostics: diagnostics)
            let fileCount = try count("the number of files with columns")
            var columns: [String: [LedgerField: Int]] = [:]
            for _ in 0..<fileCount {
                let file = try text("a file with columns")
                let fieldCount = try count("the number of its columns")
                var fields: [LedgerField: Int] = [:]
                for _ in 0..<fieldCount {
                    let field = try value(LedgerField.self, "a column's field")
                    fields[field] = try int("a column")
                }
                columns[file] = fields
            }
            snapshot.columns = columns
            return snapshot
        }

        mutating func task() throws(Malformed) -> RectificationTask {
            let id = TaskID(try text("a task's id"))
            let idIsExplicit = try bool("whether a task's id is explicit")
            let problemNumber = try text("a task's problem")
            let measure = try text("a task's 整改措施")
            let department = try text("a task's 责任部门")
            let officer = try contact("a task's 责任人")
            let coOfficerCount = try count("the number of a task's co-officers")
            var coOfficers: [Contact] = []
            coOfficers.reserveCapacity(coOfficerCount)
            for _ in 0..<coOfficerCount {
                guard let contact = try contact("a task's co-officer") else { throw Malformed(reason: "a task's co-officer at byte \(offset) has no name") }
                coOfficers.append(contact)
            }
            let leader = try contact("a task's 分管领导")
            let deadline = try deadline()
            let deadlineText = try text("a task's deadline text")
            let checkpointCount = try count("the number of a task's checkpoints")
            var checkpoints: [Checkpoint] = []
            checkpoints.reserveCapacity(checkpointCount)
            for _ in 0..<checkpointCount {
                checkpoints.append(Checkpoint(date: try date("a checkpoint's date"), label: try text("a checkpoint's label")))
            }
            let acceptanceCriterion = try text("a task's 验收标准")
            let progress = try text("a task's 整改进展")
            let status = try value(TaskStatus.self, "a task's status")
            let statusText = try text("a task's status text")
            let completedOn = try optionalDate("a task's 完成日期")
            let acceptedOn = try optionalDate("a task's 验收日期")
            let closedOn = try optionalDate("a task's 销号日期")
            let evidence = try text("a task's 佐证材料")
            let remarks = try text("a task's 备注")
            var deadlineExtension: DeadlineExtension?
            let at = offset
            switch try byte("a task's 延期") {
            case 0: deadlineExtension = nil
            case let tag where tag <= 2:
                deadlineExtension = DeadlineExtension(requested: tag == 2, newDeadline: try optionalDate("a task's 延期至"),
                                                      approver: try text("a task's 延期批准人"), reason: try text("a task's 延期原因"))
            case let other: throw Malformed(reason: "a task's 延期 at byte \(at) is \(other), not 0–2")
            }
            let cadence = try optionalValue(StandingCadence.self, "a task's 执行频次")
            let lastExecutedOn = try optionalDate("a task's 最近执行日期")
            let lookBackOn = try optionalDate("a task's 回头看日期")
            let lookBackResult = try optionalValue(LookBackResult.self, "a task's 回头看结果")
            let source = try location("a task")
            return RectificationTask(
                id: id, idIsExplicit: idIsExplicit, problemNumber: problemNumber, measure: measure,
                department: department, officer: officer, leader: leader,
                deadline: deadline, deadlineText: deadlineText, checkpoints: checkpoints,
                acceptanceCriterion: acceptanceCriterion, progress: progress, status: status,
                statusText: statusText, completedOn: completedOn, acceptedOn: acceptedOn,
                closedOn: closedOn, evidence: evidence, remarks: remarks,
                deadlineExtension: deadlineExtension, cadence: cadence, lastExecutedOn: lastExecutedOn,
                lookBackOn: lookBackOn, lookBackResult: lookBackResult,
                source: source, coOfficers: coOfficers)
        }
    }
}
