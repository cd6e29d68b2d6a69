import DubanCore
import Foundation
import Testing

/// The timeline `simulate` walks must give the same plans as planning afresh
/// once standing measures (whose periods depend on the day) and pending
/// extension requests (notices up to the day, a held-back ladder) are in the
/// ledger.
@Suite struct PeriodicTimelineEquivalenceTests {
    @Test(arguments: 1...8)
    func samePlanWithStandingMeasuresAndRequests(seed: Int) {
        var rng = SeededGenerator(seed: UInt64(seed) &+ 1000)
        let planner = makePlanner(feedback: seed % 4 == 0 ? nil : day("2026-03-15"))
        var (snapshot, firstSeen, changes) = TimelineEquivalenceTests.randomSnapshot(&rng, tasks: 40)
        var facts = Planner.ExtensionFacts()
        for index in snapshot.tasks.indices {
            switch Int.random(in: 0..<4, using: &rng) {
            case 0:
                snapshot.tasks[index].status = .ongoing
                snapshot.tasks[index].cadence = StandingCadence.allCases.randomElement(using: &rng)
                if Bool.random(using: &rng) { snapshot.tasks[index].lastExecutedOn = day("2026-01-05").adding(days: Int.random(in: 0..<200, using: &rng)) }
            case 1 where !snapshot.tasks[index].status.isDone:
                snapshot.tasks[index].deadlineExtension = DeadlineExtension(requested: true, reason: "r")
                facts.pendingSince[snapshot.tasks[index].id] = day("2026-01-05").adding(days: Int.random(in: 0..<300, using: &rng))
            default: break
            }
        }
        let start = at("2026-01-05T00:00"), end = at("2027-02-28T23:59")
        var timeline = planner.timeline(snapshot, firstSeenCompleted: firstSeen, deadlineChanges: changes, extensions: facts,
                                        days: day("2026-01-05")...day("2027-02-28"))
        var log = Set<NotificationIdentity>()
        var now = start
        var passes = 0
        while now <= end {
            passes += 1
            let expected = planner.plan(snapshot, log: log, firstSeenCompleted: firstSeen, deadlineChanges: changes, extensions: facts, now: now)
            let actual = timeline.plan(log: log, now: now)
            #expect(TimelineEquivalenceTests.describe(actual) == TimelineEquivalenceTests.describe(expected), "at \(now)")
            guard TimelineEquivalenceTests.describe(actual) == TimelineEquivalenceTests.describe(expected) else { return }
            log.formUnion(expected.messages.flatMap(\.identities))
            log.formUnion(expected.skipped.map(\.identity))
            guard let next = expected.next else { break }
            // Now and then a stretch of downtime, so catch-up is compared too.
            now = Int.random(in: 0..<6, using: &rng) == 0 ? max(next, now.addingTimeInterval(Double(Int.random(in: 1...(60 * 86_400), using: &rng)))) : next
        }
        #expect(passes > 20)
        #expect(log.contains { $0.kind == .standing } && log.contains { $0.kind == .extension })
    }
}
