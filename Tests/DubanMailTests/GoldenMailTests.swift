import DubanCore
@testable import DubanMail
import DubanTesting
import Foundation
import Testing

/// Rendering must reproduce committed `.eml` files byte for byte: a second
/// render in the same process would share every bug of the first (a
/// formatter, an encoder, a template), a file written by an earlier build
/// does not.
///
/// To regenerate after an intended change (a template, the MIME layout):
/// `DUBAN_REGENERATE_GOLDEN=1 swift test --filter GoldenMailTests`, then read
/// `git diff Tests/DubanMailTests/Golden` and commit. A regenerating run fails
/// on purpose, so it can never pass unnoticed in CI.
@Suite struct GoldenMailTests {
    static let folder = repository.appendingPathComponent("Tests/DubanMailTests/Golden")
    let clock = LocalClock(timeZone: TimeZone(identifier: "Asia/Shanghai")!)

    func composer() throws -> Composer {
        let (templates, errors) = TemplateSet.load(searchPath: [repository.appendingPathComponent("config/templates")], locale: "zh-CN")
        #expect(errors.isEmpty, "\(errors)")
        return Composer(templates: try #require(templates), from: Contact(name: "整改办", email: "duban@example.org"),
                        organization: "XX单位", programme: "2026年巡察整改", clock: clock, lookBackMonths: 3)
    }

    func compare(_ bytes: [UInt8], with name: String) throws {
        let url = Self.folder.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["DUBAN_REGENERATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: Self.folder, withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
            Issue.record("rewrote \(url.path): review `git diff`, then run again without DUBAN_REGENERATE_GOLDEN")
            return
        }
        let golden = [UInt8](try Data(contentsOf: url))
        guard golden != bytes else { return }
        // Name the first line that differs: a byte offset alone is unreadable.
        let have = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
        let want = String(decoding: golden, as: UTF8.self).components(separatedBy: "\r\n")
        let line = zip(have, want).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(have.count, want.count)
        Issue.record("""
            \(name) differs from the golden file at line \(line + 1):
              golden: \(line < want.count ? want[line] : "<end>")
              now:    \(line < have.count ? have[line] : "<end>")
            """)
    }

    func task(_ id: String, _ measure: String, deadline: String, officer: Contact?, status: TaskStatus = .inProgress) -> RectificationTask {
        RectificationTask(id: TaskID(id), idIsExplicit: true, problemNumber: "1", measure: measure, department: "党委办公室",
                          officer: officer, leader: Contact(name: "李强", email: "li.qiang@example.org"),
                          deadline: .by(LocalDate(deadline)!), acceptanceCriterion: "计划印发", status: status,
                          source: SourceLocation(file: "l.xlsx", row: 4))
    }

    /// A reminder with two tasks, an officer without an address and the .ics attachment.
    @Test func reminder() throws {
        let zhang = Contact(name: "张伟", email: "zhang.wei@example.org")
        let items = [task("T1-1", "制定年度学习计划，明确学习内容和责任人", deadline: "2026-06-30", officer: zhang),
                     task("T1-2", "建立学习台账", deadline: "2026-07-03", officer: zhang)].map {
            PlannedItem(identity: NotificationIdentity(task: $0.id, kind: .reminder, step: 7, about: $0.deadline.date!), task: $0,
                        dueDay: LocalDate("2026-06-23")!)
        }
        var message = try #require(try JSONDecoder.iso.decode(PlannedMessage.self, from: Data("""
            {"kind": "reminder", "slot": "2026-06-23T01:00:00Z", "to": [{"name": "张伟", "email": "zhang.wei@example.org"}],
             "cc": [{"name": "整改办", "email": "zgb@example.org"}], "items": [], "extraIdentities": [], "unreachable": ["责任人 孙丽"]}
            """.utf8)))
        message.items = items
        let context = Composer.Context(problems: ["1": Problem(number: "1", description: "理论学习流于形式", source: SourceLocation(file: "l"))])
        try compare(MIMEWriter.write(try composer().compose(message, context: context)), with: "reminder.eml")
    }

    /// The weekly digest with its workbook: figures, an overdue task with its
    /// progress and the notices sent, a yellow task, a three-week trend, a
    /// person without an address.
    @Test func digest() throws {
        let today = LocalDate("2026-07-06")!
        let planner = Planner(calendar: WorkCalendar(years: [WorkCalendar.Year(year: 2026)]), policy: Policy(),
                              chain: Chain(office: Contact(name: "整改办", email: "zgb@example.org")), clock: clock,
                              feedbackDate: LocalDate("2026-03-15"))
        let snapshot = LedgerSnapshot(
            problems: [Problem(number: "1", description: "理论学习流于形式", source: SourceLocation(file: "l"))],
            tasks: [task("T1-1", "制定年度学习计划", deadline: "2026-06-30", officer: Contact(name: "孙丽")),
                    task("T1-2", "建立学习台账", deadline: "2026-07-10", officer: Contact(name: "张伟", email: "zhang.wei@example.org")),
                    task("T1-3", "=HYPERLINK(\"x\")", deadline: "2026-05-30", officer: Contact(name: "张伟", email: "zhang.wei@example.org"),
                         status: .closed)])
        var ledger = snapshot
        ledger.tasks[0].progress = "初稿已完成，待党委会审议"
        ledger.tasks[2].completedOn = LocalDate("2026-05-28")
        let notices = [TaskID("T1-1"): [Digest.Notice(kind: .reminder, step: 7, on: LocalDate("2026-06-23")!),
                                        Digest.Notice(kind: .escalation, step: 1, on: LocalDate("2026-07-01")!)]]
        let trend = [Digest.TrendPoint(week: ISOWeek("2026-W26")!, completionRate: 0, overdue: 0),
                     Digest.TrendPoint(week: ISOWeek("2026-W27")!, completionRate: 33.3, overdue: 0)]
        let digest = DigestBuilder(planner: planner).build(week: ISOWeek(containing: today), today: today,
                                                           .init(snapshot: ledger, notices: notices, trend: trend))
        let mail = try composer().composeDigest(digest, to: [Contact(name: "领导小组", email: "group@example.org")], audience: nil,
                                                identity: NotificationIdentity(task: TaskID("digest"), kind: .digest, step: 0, about: today),
                                                slot: clock.parse("2026-07-06T09:00")!)
        try compare(MIMEWriter.write(mail), with: "digest.eml")
    }
}

extension JSONDecoder {
    /// Dates as the outbox stores them (ISO 8601).
    static var iso: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
