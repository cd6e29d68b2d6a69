import DubanCore
@testable import DubanMail
import DubanTesting
import Foundation
import Testing

/// Issue 12, a truthful trail: the level-2 mail says what happened to the
/// level-1 notice, from the log only.
@Suite struct LeaderTrailTests {
    let clock = LocalClock(timeZone: TimeZone(identifier: "Asia/Shanghai")!)

    func composer() throws -> Composer {
        let (templates, errors) = TemplateSet.load(searchPath: [repository.appendingPathComponent("config/templates")], locale: "zh-CN")
        #expect(errors.isEmpty, "\(errors)")
        return Composer(templates: try #require(templates), from: Contact(name: "整改办", email: "duban@example.org"),
                        organization: "XX单位", programme: "整改", clock: clock, lookBackMonths: 3)
    }

    func level2(officer: Contact, leader: Contact) -> PlannedMessage {
        let task = RectificationTask(id: TaskID("T1"), idIsExplicit: true, problemNumber: "1", measure: "措施", officer: officer, leader: leader,
                                     deadline: .by(LocalDate("2026-06-30")!), source: SourceLocation(file: "l.csv", row: 2))
        let item = PlannedItem(identity: NotificationIdentity(task: task.id, kind: .escalation, step: 2, about: LocalDate("2026-06-30")!),
                               task: task, dueDay: LocalDate("2026-07-07")!)
        return PlannedMessage(kind: .escalation, level: 2, slot: clock.parse("2026-07-07T09:00")!,
                              to: [Contact(name: "王书记", email: "principal@example.org")], cc: [], items: [item], unreachable: [])
    }

    var level1: NotificationIdentity { NotificationIdentity(task: TaskID("T1"), kind: .escalation, step: 1, about: LocalDate("2026-06-30")!) }

    @Test(arguments: [
        // Sent to the leader: named with its day.
        ("sent", "已于2026-07-01报分管领导督办"),
        // The officer is their own leader: level 1 went to the principal, not to a leader.
        ("self", "责任人即分管领导，2026-07-01的一级督办已直接报主要负责人"),
        // Skipped by a catch-up in an earlier pass: not notified, and why.
        ("skipped", "分管领导此前未收到督办通知：该通知到期时督办系统未运行，未能发出"),
    ])
    func theLeaderTrail(_ situation: String, _ expected: String) throws {
        let zhang = Contact(name: "张伟", email: "zhang.wei@example.org"), li = Contact(name: "李强", email: "li.qiang@example.org")
        let message = level2(officer: zhang, leader: situation == "self" ? zhang : li)
        let sent = [Composer.EarlierNotice(identity: level1, at: clock.parse("2026-07-01T09:00")!)]
        let context = situation == "skipped" ? Composer.Context(logged: [level1]) : Composer.Context(earlier: [TaskID("T1"): sent], logged: [level1])
        let text = try composer().compose(message, context: context).text
        #expect(text.contains("分管领导督办：\(expected)"), "\(text)")
        #expect(!text.contains("经分管领导督办"))
    }
}
