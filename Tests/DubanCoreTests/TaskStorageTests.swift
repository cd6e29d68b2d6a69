import DubanCore
import Foundation
import Testing

/// `RectificationTask` keeps its fields in one shared copy-on-write box (a
/// copy retains one reference instead of a dozen strings). It must still
/// behave as the plain struct it was: the same JSON in stored snapshots
/// (field names, order, absent optionals), and value semantics — a change to
/// one copy never shows in another.
@Suite struct TaskStorageTests {
    /// The task as it was stored before the box, field for field: its
    /// synthesised `Codable` is what snapshots in state databases hold.
    struct PlainTask: Hashable, Codable {
        var id: TaskID
        var idIsExplicit: Bool
        var problemNumber: String
        var measure: String
        var department: String
        var officer: Contact?
        var storedCoOfficers: [Contact]?
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
        var evidence: String
        var remarks: String
        var deadlineExtension: DeadlineExtension?
        var cadence: StandingCadence?
        var lastExecutedOn: LocalDate?
        var lookBackOn: LocalDate?
        var lookBackResult: LookBackResult?
        var source: DubanCore.SourceLocation

        var task: RectificationTask {
            RectificationTask(
                id: id, idIsExplicit: idIsExplicit, problemNumber: problemNumber, measure: measure, department: department,
                officer: officer, leader: leader, deadline: deadline, deadlineText: deadlineText, checkpoints: checkpoints,
                acceptanceCriterion: acceptanceCriterion, progress: progress, status: status, statusText: statusText,
                completedOn: completedOn, acceptedOn: acceptedOn, closedOn: closedOn, evidence: evidence, remarks: remarks,
                deadlineExtension: deadlineExtension, cadence: cadence, lastExecutedOn: lastExecutedOn, lookBackOn: lookBackOn,
                lookBackResult: lookBackResult, source: source, coOfficers: storedCoOfficers ?? [])
        }
    }

    static func random(_ rng: inout SeededGenerator) -> PlainTask {
        func text() -> String {
            ["", "整改中", "针对问题1制定第2项整改措施并抓好落实", "a", " 空格 ", "\"quoted\"\n"].randomElement(using: &rng)!
        }
        func date() -> LocalDate? {
            Bool.random(using: &rng) ? nil : day("2026-01-05").adding(days: Int.random(in: -400..<400, using: &rng))
        }
        func contact() -> Contact? {
            Bool.random(using: &rng) ? nil : Contact(name: "干部\(Int.random(in: 0..<9, using: &rng))",
                                                     email: Bool.random(using: &rng) ? nil : "p@example.org")
        }
        let someDate = date() ?? day("2026-06-30")
        let coOfficers = (0..<Int.random(in: 0...2, using: &rng)).compactMap { _ in contact() }
        return PlainTask(
            id: TaskID("T\(Int.random(in: 0..<1000, using: &rng))"), idIsExplicit: Bool.random(using: &rng),
            problemNumber: text(), measure: text(), department: text(), officer: contact(),
            storedCoOfficers: coOfficers.isEmpty ? nil : coOfficers, leader: contact(),
            deadline: ([.by(someDate), .byThenOngoing(someDate), .immediate(nil), .immediate(someDate), .ongoing, .missing,
                        .unparsed(text())] as [Deadline]).randomElement(using: &rng)!,
            deadlineText: text(),
            checkpoints: (0..<Int.random(in: 0...2, using: &rng)).map { _ in Checkpoint(date: someDate, label: text()) },
            acceptanceCriterion: text(), progress: text(), status: TaskStatus.allCases.randomElement(using: &rng)!,
            statusText: text(), completedOn: date(), acceptedOn: date(), closedOn: date(), evidence: text(), remarks: text(),
            deadlineExtension: Bool.random(using: &rng) ? nil
                : DeadlineExtension(requested: Bool.random(using: &rng), newDeadline: date(), approver: text(), reason: text()),
            cadence: Bool.random(using: &rng) ? nil : StandingCadence.allCases.randomElement(using: &rng),
            lastExecutedOn: date(), lookBackOn: date(),
            lookBackResult: Bool.random(using: &rng) ? nil : LookBackResult.allCases.randomElement(using: &rng),
            source: DubanCore.SourceLocation(file: "台账.csv", row: Int.random(in: 1..<100, using: &rng),
                                   column: Bool.random(using: &rng) ? nil : 3))
    }

    @Test(arguments: 1...8)
    func encodesAndDecodesAsThePlainStructDid(seed: Int) throws {
        var rng = SeededGenerator(seed: UInt64(seed))
        let plain = (0..<200).map { _ in Self.random(&rng) }
        let tasks = plain.map(\.task)
        let encoder = JSONEncoder()
        // Sorted: without it this encoder orders keys by a per-process hash,
        // differently for two encodings of one value.
        for formatting in [JSONEncoder.OutputFormatting.sortedKeys, [.sortedKeys, .prettyPrinted]] {
            encoder.outputFormatting = formatting
            let expected = try encoder.encode(plain)
            #expect(String(decoding: try encoder.encode(tasks), as: UTF8.self) == String(decoding: expected, as: UTF8.self))
            #expect(try JSONDecoder().decode([RectificationTask].self, from: expected) == tasks)
        }
        #expect(try JSONDecoder().decode([PlainTask].self, from: try encoder.encode(tasks)) == plain)
        // Each property reads back the field it was given.
        for (p, t) in zip(plain, tasks) {
            let read = PlainTask(
                id: t.id, idIsExplicit: t.idIsExplicit, problemNumber: t.problemNumber, measure: t.measure, department: t.department,
                officer: t.officer, storedCoOfficers: t.coOfficers.isEmpty ? nil : t.coOfficers, leader: t.leader, deadline: t.deadline,
                deadlineText: t.deadlineText, checkpoints: t.checkpoints, acceptanceCriterion: t.acceptanceCriterion,
                progress: t.progress, status: t.status, statusText: t.statusText, completedOn: t.completedOn,
                acceptedOn: t.acceptedOn, closedOn: t.closedOn, evidence: t.evidence, remarks: t.remarks,
                deadlineExtension: t.deadlineExtension, cadence: t.cadence, lastExecutedOn: t.lastExecutedOn,
                lookBackOn: t.lookBackOn, lookBackResult: t.lookBackResult, source: t.source)
            #expect(read == p)
        }
    }

    @Test(arguments: 1...8)
    func aChangedCopyLeavesTheOriginalAsItWas(seed: Int) {
        var rng = SeededGenerator(seed: UInt64(seed))
        for _ in 0..<100 {
            let plain = Self.random(&rng), other = Self.random(&rng)
            let original = plain.task
            // Built twice from the same values: equal, and hashed alike.
            #expect(original == plain.task)
            #expect(original.hashValue == plain.task.hashValue)
            let changes: [(inout RectificationTask) -> Void] = [
                { $0.id = other.id }, { $0.idIsExplicit = other.idIsExplicit }, { $0.problemNumber = other.problemNumber },
                { $0.measure = other.measure }, { $0.department = other.department }, { $0.officer = other.officer },
                { $0.coOfficers = other.storedCoOfficers ?? [] }, { $0.leader = other.leader }, { $0.deadline = other.deadline },
                { $0.deadlineText = other.deadlineText }, { $0.checkpoints = other.checkpoints },
                { $0.acceptanceCriterion = other.acceptanceCriterion }, { $0.progress = other.progress },
                { $0.status = other.status }, { $0.statusText = other.statusText }, { $0.completedOn = other.completedOn },
                { $0.acceptedOn = other.acceptedOn }, { $0.closedOn = other.closedOn }, { $0.evidence = other.evidence },
                { $0.remarks = other.remarks }, { $0.deadlineExtension = other.deadlineExtension }, { $0.cadence = other.cadence },
                { $0.lastExecutedOn = other.lastExecutedOn }, { $0.lookBackOn = other.lookBackOn },
                { $0.lookBackResult = other.lookBackResult }, { $0.source = other.source },
            ]
            var changed = original
            for change in changes.shuffled(using: &rng) {
                let before = changed
                change(&changed)
                // Each change shows in the changed copy only.
                #expect(original == plain.task)
                #expect(before != changed || before == changed && Self.sameFields(before, changed))
            }
            // Every field now holds the other task's value.
            #expect(changed == other.task)
            #expect(original == plain.task)
        }
    }

    /// Whether two tasks agree on every field read through the public API.
    static func sameFields(_ a: RectificationTask, _ b: RectificationTask) -> Bool {
        a.id == b.id && a.idIsExplicit == b.idIsExplicit && a.problemNumber == b.problemNumber && a.measure == b.measure
            && a.department == b.department && a.officer == b.officer && a.coOfficers == b.coOfficers && a.leader == b.leader
            && a.deadline == b.deadline && a.deadlineText == b.deadlineText && a.checkpoints == b.checkpoints
            && a.acceptanceCriterion == b.acceptanceCriterion && a.progress == b.progress && a.status == b.status
            && a.statusText == b.statusText && a.completedOn == b.completedOn && a.acceptedOn == b.acceptedOn
            && a.closedOn == b.closedOn && a.evidence == b.evidence && a.remarks == b.remarks
            && a.deadlineExtension == b.deadlineExtension && a.cadence == b.cadence && a.lastExecutedOn == b.lastExecutedOn
            && a.lookBackOn == b.lookBackOn && a.lookBackResult == b.lookBackResult && a.source == b.source
    }

    /// A task in an array changed in place (as the people resolver does)
    /// leaves a copy taken before unchanged.
    @Test func aTaskChangedInItsArrayLeavesEarlierCopiesAlone() {
        var rng = SeededGenerator(seed: 99)
        var tasks = (0..<50).map { _ in Self.random(&rng).task }
        let copies = tasks
        let kept = tasks[7]
        for index in tasks.indices { tasks[index].officer = Contact(name: "新", email: "new@example.org") }
        #expect(tasks.allSatisfy { $0.officer == Contact(name: "新", email: "new@example.org") })
        #expect(zip(copies, tasks).allSatisfy { !Self.sameFields($0, $1) || $0.officer == $1.officer })
        #expect(kept == copies[7])
        #expect(copies.contains { $0.officer != Contact(name: "新", email: "new@example.org") })
    }
}
