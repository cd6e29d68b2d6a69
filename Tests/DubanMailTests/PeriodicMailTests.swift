import DubanCore
@testable import DubanMail
import DubanTesting
import Foundation
import Testing

/// Issue 13's mail: the standing measure's request and its notice to the
/// leader, in both languages, and the reminder of an extended task quoting
/// the new date rather than the 整改时限 cell.
@Suite struct PeriodicMailTests {
    let clock = LocalClock(timeZone: TimeZone(identifier: "Asia/Shanghai")!)

    func composer(_ locale: String = "zh-CN") throws -> Composer {
        let (templates, errors) = TemplateSet.load(searchPath: [repository.appendingPathComponent("config/templates")], locale: locale)
        #expect(errors.isEmpty, "\(errors)")
        return Composer(templates: try #require(templates), from: Contact(name: "整改办", email: "duban@example.org"),
                        organization: "XX单位", programme: "2026年巡察整改", clock: clock, lookBackMonths: 3)
    }

    func standing(step: Int) -> PlannedMessage {
        let task = RectificationTask(id: TaskID("T1-3"), idIsExplicit: true, problemNumber: "1", measure: "开展专题研讨，每季度一次", department: "宣传部",
                                     officer: Contact(name: "刘洋", email: "liu.yang@example.org"), leader: Contact(name: "李强", email: "li.qiang@example.org"),
                                     deadline: .ongoing, status: .ongoing, cadence: .quarterly, lastExecutedOn: LocalDate("2026-03-20"),
                                     source: SourceLocation(file: "l.xlsx", row: 6))
        let item = PlannedItem(identity: NotificationIdentity(task: task.id, kind: .standing, step: step, about: LocalDate("2026-06-30")!), task: task,
                               dueDay: LocalDate("2026-06-23")!)
        return PlannedMessage(kind: .standing, level: step, slot: clock.parse(step == 1 ? "2026-06-23T09:00" : "2026-07-01T09:00")!,
                              to: [step == 1 ? task.officer! : task.leader!], cc: step == 1 ? [] : [task.officer!], items: [item], unreachable: [])
    }

    @Test func theOfficerIsAskedAndTheLeaderTold() throws {
        let ask = try composer().compose(standing(step: 1), context: .init())
        #expect(ask.subject == "【长期坚持】您有1项长期整改措施本期（2026-06-30前）需执行")
        #expect(ask.text.contains("执行频次：每季度　本期截止：2026-06-30"))
        #expect(ask.text.contains("最近执行日期：2026-03-20"))
        let told = try composer().compose(standing(step: 2), context: .init())
        #expect(told.subject == "【长期坚持督办】1项长期整改措施上期未执行，请督促落实")
        #expect(told.text.contains("李强："))
        #expect(told.text.contains("抄送：刘洋"))
        #expect(told.extraHeaders.contains { $0.0 == "X-Duban-Kind" && $0.1 == "standing-2" })
        let english = try composer("en").compose(standing(step: 2), context: .init())
        #expect(english.subject == "[XX单位] Standing measures behind: 1 period(s) passed unrecorded")
        #expect(english.text.contains("Cadence: quarterly; the period ended 2026-06-30"))
    }

    @Test func aReminderOfAnExtendedTaskQuotesTheNewDate() throws {
        var task = RectificationTask(id: TaskID("T1-1"), idIsExplicit: true, problemNumber: "1", measure: "制定计划", deadline: .by(LocalDate("2026-06-30")!),
                                     source: SourceLocation(file: "l.xlsx", row: 4))
        task.deadlineExtension = DeadlineExtension(newDeadline: LocalDate("2026-09-30"), approver: "王书记")
        let item = PlannedItem(identity: NotificationIdentity(task: task.id, kind: .reminder, step: 7, about: LocalDate("2026-09-30")!), task: task,
                               dueDay: LocalDate("2026-09-23")!)
        let message = PlannedMessage(kind: .reminder, level: nil, slot: clock.parse("2026-09-23T09:00")!, to: [Contact(name: "张伟", email: "z@example.org")],
                                     cc: [], items: [item], unreachable: [])
        let mail = try composer().compose(message, context: .init())
        #expect(mail.text.contains("整改时限：2026-09-30（还有7天）"))
    }
}
