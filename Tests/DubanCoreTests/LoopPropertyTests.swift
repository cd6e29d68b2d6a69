import DubanCore
import Foundation
import Testing

@Suite struct LoopPropertyTests {
    /// Random ledgers over the whole loop (open, completed, accepted, closed
    /// with and without a 回头看 result, reopened) and random downtime: no
    /// identity is decided twice, and an overdue task's ladder never goes
    /// quiet before its 约谈 notice — between two of its ladder notices
    /// (escalations, then the 约谈) there is never a gap longer than the
    /// longest step the policy allows, except across downtime; and once its
    /// 约谈 day has come, the 约谈 notice has gone out.
    @Test(arguments: 1...12)
    func noIdentityTwiceAndTheLadderNeverGoesQuiet(seed: Int) {
        var rng = SeededGenerator(seed: UInt64(seed) &* 7919)
        let planner = makePlanner()
        let start = day("2026-01-05")
        var tasks: [RectificationTask] = []
        var reopened: [TaskID: Planner.LoopFacts.Reopening] = [:]
        var accepted: [TaskID: LocalDate] = [:]
        for i in 0..<40 {
            let deadline = start.adding(days: Int.random(in: 0..<250, using: &rng))
            let status: TaskStatus = [.notStarted, .inProgress, .inProgress, .completed, .accepted, .closed, .closed].randomElement(using: &rng)!
            let results: [LookBackResult?] = [nil, nil, .effective, .partial, .rebound]
            let result = status == .closed ? results.randomElement(using: &rng)! : nil
            let closedOn = status == .closed ? deadline.adding(days: -1) : nil
            let id = "T\(i)"
            tasks.append(task(id, deadline: .by(deadline), status: status,
                              officer: Contact(name: "o\(i % 5)", email: i % 7 == 0 ? nil : "o\(i % 5)@example.org"),
                              leader: Contact(name: "l\(i % 3)", email: i % 11 == 0 ? nil : "l\(i % 3)@example.org"),
                              completedOn: status == .completed ? deadline.adding(days: -3) : nil,
                              acceptedOn: status == .accepted && Bool.random(using: &rng) ? deadline.adding(days: -2) : nil,
                              closedOn: closedOn,
                              lookBackOn: result != nil ? closedOn!.adding(months: 3).adding(days: 5) : nil, lookBackResult: result))
            if status == .accepted { accepted[TaskID(id)] = deadline.adding(days: -1) }
            if !status.isDone, Int.random(in: 0..<4, using: &rng) == 0 {
                reopened[TaskID(id)] = .init(on: deadline.adding(days: Int.random(in: -20...60, using: &rng)), from: .closed, since: deadline.adding(days: -30))
            }
        }
        let loop = Planner.LoopFacts(firstSeenAccepted: accepted, reopened: reopened)
        let snapshot = LedgerSnapshot(tasks: tasks)
        var downtime: [Range<Date>] = []
        var cursor = at("2026-01-05T00:00")
        for _ in 0..<6 {
            let gapStart = cursor.addingTimeInterval(Double(Int.random(in: 1...40, using: &rng)) * 86_400 + Double(Int.random(in: 0..<86_400, using: &rng)))
            let gapEnd = gapStart.addingTimeInterval(Double(Int.random(in: 3_600...20 * 86_400, using: &rng)))
            downtime.append(gapStart..<gapEnd)
            cursor = gapEnd
        }
        let end = at("2026-12-31T23:59")
        let run = simulate(planner, snapshot, from: at("2026-01-05T00:00"), to: end, downtime: downtime, loop: loop)

        // No identity twice, sent or skipped.
        let identities = run.sent.map(\.1.identity) + run.skipped.map(\.identity)
        #expect(Set(identities).count == identities.count)

        // The longest gap the policy allows between two ladder notices, in working days, and so in
        // calendar days at most that many plus the longest run of days off in 2026 (National Day: 8).
        let policy = Policy()
        let longestStep = [policy.escalationLevel2After - policy.escalationLevel1After, policy.escalationRepeatEvery, policy.interviewAfter].max()!
        let allowed = Double(longestStep * 7 / 5 + 9) * 86_400
        for task in tasks where !task.status.isDone {
            let ladder = run.sent.filter { $0.1.identity.task == task.id && [.escalation, .interview].contains($0.1.identity.kind) }.map(\.0)
            for (a, b) in zip(ladder, ladder.dropFirst()) where b.timeIntervalSince(a) > allowed {
                #expect(downtime.contains { $0.overlaps(a..<b) }, "\(task.id): quiet from \(shanghai.iso(a)) to \(shanghai.iso(b))")
            }
            // Once its 约谈 day has come (and the window opened), the 约谈 notice went out.
            let deadline = task.deadline.date!
            let restart = reopened[task.id].map { max($0.on, deadline) }
            var days = [planner.calendar.workingDay(policy.escalationLevel1After, after: restart ?? deadline)]
            days.append(planner.calendar.workingDay(policy.escalationLevel2After - policy.escalationLevel1After, after: days[0]))
            for _ in 0..<policy.escalationMaxRepeats { days.append(planner.calendar.workingDay(policy.escalationRepeatEvery, after: days.last!)) }
            let interviewDay = planner.calendar.workingDay(policy.interviewAfter, after: days.last!)
            guard interviewDay < day("2026-12-30") else { continue }
            #expect(run.sent.contains { $0.1.identity.task == task.id && $0.1.identity.kind == .interview }, "\(task.id) never reached its 约谈")
        }
        // Every message reaches the office whenever someone on it could not be reached.
        for (_, item, message) in run.sent where !message.unreachable.isEmpty {
            #expect((message.to + message.cc).contains(office), "\(item.identity): \(message.unreachable) missing and the office not told")
        }
    }
}
