import DubanCore
@testable import DubanDaemon
import DubanStore
import DubanTesting
import Foundation
import Testing

/// `Simulation` walks a timeline made once; before, it asked the planner
/// afresh at every slot through the full pass. On random ledgers, with and
/// without downtime, both give the same entries (moment, message, subject),
/// the same skips and the same warnings, digests included. The reference's
/// subjects are those the pass queued (read back from the outbox).
@Suite struct SimulationEquivalenceTests {
    /// The simulation as it was: a full pass (observations included) at every slot.
    static func replanningEverySlot(_ environment: Environment, _ snapshot: LedgerSnapshot, from start: Date, to end: Date,
                                    downtime: [Range<Date>]) async throws -> [String] {
        let database = try DubanDatabase.inMemory()
        let stage = PlanStage(environment: environment, archivesDigests: false)
        var lines: [String] = []
        var now = start
        var warnings = Set<String>()
        var log = Set<NotificationIdentity>()
        while now <= end {
            if let down = downtime.first(where: { $0.contains(now) }) { now = down.upperBound; continue }
            let plan = try await stage.run(snapshot, database: database, now: now, log: log)
            log.formUnion(plan.messages.flatMap(\.identities))
            log.formUnion(plan.skipped.map(\.identity))
            for message in plan.messages {
                // Every subject as the pass queued it: the composed mail's, read
                // back from the outbox, not worked out again the way the
                // simulation does (a wrong digest subject there must show here).
                let subject = try await database.outboxSubject(messageID: message.id) ?? "(not in the outbox)"
                if message.kind == .digest, warnings.insert(Simulation.digestFiguresNote).inserted {
                    lines.append("warning \(Simulation.digestFiguresNote)")
                }
                lines.append(describe(at: now, message, subject: subject))
                try await database.markSent(messageID: message.id, at: now)
            }
            lines += plan.skipped.map { "\(now) skip \($0.identity.key) \($0.reason)" }
            for warning in plan.warnings where warnings.insert(warning).inserted { lines.append("warning \(warning)") }
            guard let next = plan.next, next > now else { break }
            now = next
        }
        return lines
    }

    static func describe(at: Date, _ message: PlannedMessage, subject: String) -> String {
        "\(at) \(message.id) \(message.kind) L\(message.level ?? 0) to \(message.to) cc \(message.cc) \(subject): "
            + message.items.map(\.identity.key).joined(separator: " ")
    }

    static func lines(_ result: Simulation.Result) -> [String] {
        // The same order as the reference: per pass, messages then skips then new warnings.
        var byMoment: [Date: [String]] = [:]
        var moments: [Date] = []
        func add(_ at: Date, _ line: String) {
            if byMoment[at] == nil { moments.append(at) }
            byMoment[at, default: []].append(line)
        }
        for entry in result.entries { add(entry.at, describe(at: entry.at, entry.message, subject: entry.subject)) }
        for (at, skip) in result.skipped { add(at, "\(at) skip \(skip.identity.key) \(skip.reason)") }
        return moments.sorted().flatMap { byMoment[$0]! }
    }

    static func randomLedger(seed: UInt64, tasks count: Int) -> LedgerSnapshot {
        var rng = SeededRandom(seed: seed)
        let start = LocalDate(year: 2026, month: 4, day: 1)!
        var tasks: [RectificationTask] = []
        for i in 0..<count {
            let date = start.adding(days: Int.random(in: -40..<200, using: &rng))
            let status = TaskStatus.allCases.randomElement(using: &rng)!
            let deadline: Deadline = [.by(date), .by(date), .byThenOngoing(date), .immediate(nil), .ongoing, .unparsed("尽快")].randomElement(using: &rng)!
            tasks.append(RectificationTask(
                id: TaskID("R\(i)"), idIsExplicit: true, problemNumber: "\(i / 3 + 1)", measure: "措施\(i)", department: "办公室",
                officer: Contact(name: "o\(i % 4)", email: i % 9 == 0 ? nil : "o\(i % 4)@example.org"),
                leader: Contact(name: "l\(i % 2)", email: "l\(i % 2)@example.org"),
                deadline: deadline, deadlineText: "\(date)",
                checkpoints: Bool.random(using: &rng) ? [Checkpoint(date: date.adding(days: -20), label: "cp")] : [],
                status: status, completedOn: status == .completed && Bool.random(using: &rng) ? date.adding(days: -2) : nil,
                closedOn: status == .closed ? date.adding(days: -1) : nil,
                source: SourceLocation(file: "random.csv", row: i + 3)))
        }
        return LedgerSnapshot(problems: (0..<(count / 3 + 1)).map { Problem(number: "\($0 + 1)", source: SourceLocation(file: "random.csv")) },
                              tasks: tasks)
    }

    @Test(arguments: [1, 2, 3, 4])
    func sameTimelineAsReplanningEverySlot(seed: Int) async throws {
        let (environment, _) = try exampleEnvironment()
        let clock = environment.clock
        let snapshot = Self.randomLedger(seed: UInt64(seed), tasks: 40)
        let start = clock.parse("2026-04-01")!, end = clock.parse("2026-09-30T23:59")!
        let downtime = seed.isMultiple(of: 2)
            ? [clock.parse("2026-05-08T13:00")!..<clock.parse("2026-05-20T10:30")!, clock.parse("2026-07-03T19:00")!..<clock.parse("2026-07-13T08:00")!]
            : []
        let reference = try await Self.replanningEverySlot(environment, snapshot, from: start, to: end, downtime: downtime)
        let result = try await Simulation(environment: environment).run(snapshot, from: start, to: end, downtime: downtime)
        let referenceWarnings = reference.filter { $0.hasPrefix("warning ") }.map { String($0.dropFirst(8)) }
        #expect(result.warnings == referenceWarnings)
        #expect(Self.lines(result) == reference.filter { !$0.hasPrefix("warning ") })
        #expect(result.entries.count > 10)
    }
}
