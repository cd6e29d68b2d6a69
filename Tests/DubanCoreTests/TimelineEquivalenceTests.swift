import DubanCore
import Foundation
import Testing

/// `simulate` walks a timeline worked out once instead of re-planning every
/// task at every slot. Both must give the same plan at every moment, on any
/// ledger: the same messages (kind, level, recipients, items in order), the
/// same skips in order, the same next instant and the same warnings.
@Suite struct TimelineEquivalenceTests {
    static func randomSnapshot(_ rng: inout SeededGenerator, tasks count: Int) -> (LedgerSnapshot, Planner.FirstSeenCompleted, Planner.DeadlineChanges) {
        let start = day("2026-01-05")
        var tasks: [RectificationTask] = []
        var firstSeen = Planner.FirstSeenCompleted()
        var changes = Planner.DeadlineChanges()
        for i in 0..<count {
            let date = start.adding(days: Int.random(in: -30..<330, using: &rng))
            let deadline: Deadline = [.by(date), .by(date), .byThenOngoing(date), .immediate(nil), .immediate(date), .ongoing, .missing,
                                      .unparsed("明年")].randomElement(using: &rng)!
            let status = TaskStatus.allCases.randomElement(using: &rng)!
            let checkpoints = (0..<Int.random(in: 0...2, using: &rng)).map { _ in
                Checkpoint(date: date.adding(days: -Int.random(in: 1..<60, using: &rng)), label: "cp")
            }
            let officer = Int.random(in: 0..<10, using: &rng) == 0 ? nil
                : Contact(name: "o\(i % 6)", email: i % 7 == 0 ? nil : "o\(i % 6)@example.org")
            // Some officers supervise themselves; some leaders have no address.
            let leader = i % 11 == 0 ? officer : Contact(name: "l\(i % 3)", email: i % 5 == 0 ? nil : "l\(i % 3)@example.org")
            let id = "T\(i)"
            let completedOn = status == .completed && Bool.random(using: &rng) ? date.adding(days: -3) : nil
            if status == .completed, completedOn == nil { firstSeen[TaskID(id)] = start.adding(days: Int.random(in: 0..<60, using: &rng)) }
            if Int.random(in: 0..<6, using: &rng) == 0 { changes[TaskID(id)] = date.adding(days: Int.random(in: 0..<30, using: &rng)) }
            tasks.append(task(id, deadline: deadline, status: status, officer: officer, leader: leader, checkpoints: checkpoints,
                              completedOn: completedOn, closedOn: status == .closed && Bool.random(using: &rng) ? date.adding(days: -1) : nil))
        }
        return (LedgerSnapshot(tasks: tasks), firstSeen, changes)
    }

    static func describe(_ plan: Planner.Plan) -> [String] {
        plan.messages.map { message in
            "\(message.kind) L\(message.level ?? 0) to \(message.to) cc \(message.cc) unreachable \(message.unreachable) slot \(message.slot): "
                + message.items.map { "\($0.identity.key)@\($0.dueDay)" }.joined(separator: " ")
        } + plan.skipped.map { "skip \($0.identity.key) \($0.reason)" } + ["next \(String(describing: plan.next))"] + plan.warnings
    }

    @Test(arguments: 1...16)
    func samePlanAsReplanningAtEverySlot(seed: Int) {
        var rng = SeededGenerator(seed: UInt64(seed))
        let feedback: LocalDate? = seed % 4 == 0 ? nil : day("2026-03-15")
        var policy = Policy()
        if seed % 3 == 0 { policy.reminderLeadDays = [14, 7, 1]; policy.reminderLeadUnit = .working }
        // No calendar for 2027: the missing-year warning appears late in the run.
        let planner = makePlanner(policy: policy, feedback: feedback, principal: seed % 2 == 0 ? principal : nil)
        let (snapshot, firstSeen, changes) = Self.randomSnapshot(&rng, tasks: 60)
        // Issue 12: accepted tasks first seen on some day, reopened tasks (rebounds, restarted ladders).
        var loop = Planner.LoopFacts()
        for task in snapshot.tasks {
            if task.status == .accepted, Bool.random(using: &rng) {
                loop.firstSeenAccepted[task.id] = day("2026-02-01").adding(days: Int.random(in: 0..<200, using: &rng))
            }
            if Int.random(in: 0..<5, using: &rng) == 0 {
                loop.reopened[task.id] = .init(on: day("2026-02-01").adding(days: Int.random(in: 0..<300, using: &rng)), from: .closed, since: day("2026-01-20"))
            }
        }
        var timeline = planner.timeline(snapshot, firstSeenCompleted: firstSeen, deadlineChanges: changes, loop: loop)

        // Passes at the planner's own next instants, at random moments (nights,
        // weekends: the window closed), and after random downtime.
        var log = Set<NotificationIdentity>()
        var now = at("2026-01-05T00:00")
        let end = at("2027-02-28T23:59")
        var passes = 0
        while now <= end {
            passes += 1
            let expected = planner.plan(snapshot, log: log, firstSeenCompleted: firstSeen, deadlineChanges: changes, loop: loop, now: now)
            let actual = timeline.plan(log: log, now: now)
            #expect(Self.describe(actual) == Self.describe(expected), "at \(now)")
            guard Self.describe(actual) == Self.describe(expected) else { return }
            log.formUnion(expected.messages.flatMap(\.identities))
            log.formUnion(expected.skipped.map(\.identity))
            guard let next = expected.next else { break }
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: now = now.addingTimeInterval(Double(Int.random(in: 1...200_000, using: &rng)))   // a pass out of turn or downtime
            case 1: now = max(next, now.addingTimeInterval(Double(Int.random(in: 1...(30 * 86_400), using: &rng))))
            default: now = next
            }
        }
        #expect(passes > 20)
    }

    @Test func aMomentEarlierThanTheLastStartsOver() {
        var rng = SeededGenerator(seed: 99)
        let planner = makePlanner()
        let (snapshot, firstSeen, changes) = Self.randomSnapshot(&rng, tasks: 40)
        var timeline = planner.timeline(snapshot, firstSeenCompleted: firstSeen, deadlineChanges: changes)
        _ = timeline.plan(log: [], now: at("2026-09-01T10:00"))
        let now = at("2026-04-01T10:00")
        let expected = planner.plan(snapshot, log: [], firstSeenCompleted: firstSeen, deadlineChanges: changes, now: now)
        #expect(Self.describe(timeline.plan(log: [], now: now)) == Self.describe(expected))
    }
}
