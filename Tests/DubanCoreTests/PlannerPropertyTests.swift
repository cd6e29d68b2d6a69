import DubanCore
import Foundation
import Testing

@Suite struct PlannerPropertyTests {
    /// Random ledgers, random downtime: no identity twice, nothing on a day off
    /// or outside hours, and every open task past its deadline escalated.
    @Test(arguments: 1...12)
    func invariantsHoldUnderRandomDowntime(seed: Int) {
        var rng = SeededGenerator(seed: UInt64(seed))
        let planner = makePlanner()
        let start = day("2026-01-05")
        var tasks: [RectificationTask] = []
        for i in 0..<40 {
            let deadline = start.adding(days: Int.random(in: 0..<300, using: &rng))
            let status: TaskStatus = [.notStarted, .inProgress, .inProgress, .completed, .closed].randomElement(using: &rng)!
            let checkpoints = Bool.random(using: &rng) ? [Checkpoint(date: deadline.adding(days: -Int.random(in: 5..<60, using: &rng)), label: "cp")] : []
            tasks.append(task("T\(i)", deadline: .by(deadline), status: status,
                              officer: Contact(name: "o\(i % 5)", email: i % 7 == 0 ? nil : "o\(i % 5)@example.org"),
                              checkpoints: checkpoints,
                              completedOn: status == .completed ? deadline.adding(days: -3) : nil,
                              closedOn: status == .closed ? deadline.adding(days: -1) : nil))
        }
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
        let run = simulate(planner, snapshot, from: at("2026-01-05T00:00"), to: end, downtime: downtime)

        // No identity twice, sent or skipped.
        let identities = run.sent.map(\.1.identity) + run.skipped.map(\.identity)
        #expect(Set(identities).count == identities.count)
        // Nothing on a day off, nothing outside [09:00, 18:00), nothing during downtime.
        for (when, item, _) in run.sent {
            #expect(calendar2026.isWorkingDay(shanghai.date(of: when)), "\(item.identity) on a day off")
            let time = shanghai.timeOfDay(of: when)
            #expect(time.minutes >= 9 * 60 && time.minutes < 18 * 60, "\(item.identity) at \(time)")
            #expect(!downtime.contains { $0.contains(when) })
            #expect(when >= shanghai.instant(item.dueDay, Policy().sendTime), "\(item.identity) before its day")
        }
        // Every open task whose level-1 day has come was escalated at least once.
        for task in tasks where !task.status.isDone {
            let deadline = task.deadline.date!
            guard calendar2026.workingDay(1, after: deadline) < day("2026-12-31") else { continue }
            #expect(run.sent.contains { $0.1.identity.task == task.id && $0.1.identity.kind == .escalation }, "\(task.id) never escalated")
        }
        // A message whose officer has no address went to the office.
        for (_, item, message) in run.sent where item.identity.kind == .reminder && item.task.officer?.email == nil {
            #expect(message.to.contains(office))
        }
    }
}
