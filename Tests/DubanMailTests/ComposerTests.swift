import DubanCore
@testable import DubanMail
import DubanTesting
import Foundation
import Testing

@Suite struct ComposerTests {
    let clock = LocalClock(timeZone: TimeZone(identifier: "Asia/Shanghai")!)

    func composer(locale: String = "zh-CN", searchPath: [URL]? = nil) throws -> Composer {
        let (templates, errors) = TemplateSet.load(searchPath: searchPath ?? [repository.appendingPathComponent("config/templates")], locale: locale)
        #expect(errors.isEmpty, "\(errors)")
        return Composer(templates: try #require(templates), from: Contact(name: "整改办", email: "duban@example.org"),
                        organization: "XX单位", programme: "2026年巡察整改", clock: clock, lookBackMonths: 3)
    }

    func message(kind: NotificationKind = .reminder, step: Int = 7, measure: String = "制定年度学习计划", about: String = "2026-06-30",
                 slot: String = "2026-06-23T09:00") -> PlannedMessage {
        let task = RectificationTask(id: TaskID("T1-1"), idIsExplicit: true, problemNumber: "1", measure: measure, department: "党委办公室",
                                     officer: Contact(name: "张伟", email: "zhang.wei@example.org"), leader: Contact(name: "李强", email: "li.qiang@example.org"),
                                     deadline: .by(LocalDate(about)!), acceptanceCriterion: "计划印发", source: SourceLocation(file: "l.xlsx", row: 4))
        let item = PlannedItem(identity: NotificationIdentity(task: task.id, kind: kind, step: step, about: LocalDate(about)!), task: task,
                               dueDay: LocalDate("2026-06-23")!)
        return PlannedMessage(kind: kind, level: kind == .escalation ? min(step, 2) : nil, slot: clock.parse(slot)!,
                              to: [Contact(name: "张伟", email: "zhang.wei@example.org")], cc: [], items: [item], unreachable: [UnreachablePerson(role: .officer, name: "孙丽")])
    }

    @Test func reminderSaysWhatWhenAndWhoInChinese() throws {
        let mail = try composer().compose(message(), context: .init(problems: ["1": Problem(number: "1", description: "学习流于形式", source: SourceLocation(file: "l"))]))
        #expect(mail.subject == "【整改提醒】您有1项整改任务将于2026-06-30到期")
        #expect(mail.text.contains("【T1-1】制定年度学习计划"))
        #expect(mail.text.contains("所属问题：1. 学习流于形式"))
        #expect(mail.text.contains("整改时限：2026-06-30（还有7天）"))
        #expect(mail.text.contains("验收标准：计划印发"))
        #expect(mail.text.contains("孙丽暂无邮箱地址") || mail.text.contains("责任人 孙丽暂无邮箱地址"))
        #expect(mail.messageID == "\(message().id).reminder@example.org")
        #expect(mail.attachments.map(\.filename) == ["deadline.ics"])
    }

    @Test func englishTemplates() throws {
        let mail = try composer(locale: "en").compose(message(), context: .init())
        #expect(mail.subject == "[XX单位] Reminder: 1 rectification task(s) due 2026-06-30")
        #expect(mail.text.contains("Deadline: 2026-06-30 (7 day(s) left)"))
    }

    @Test func escalationSaysSinceWhenAndWhatWentBefore() throws {
        let earlier = Composer.EarlierNotice(identity: NotificationIdentity(task: TaskID("T1-1"), kind: .reminder, step: 7, about: LocalDate("2026-06-30")!),
                                             at: clock.parse("2026-06-23T09:00")!)
        let mail = try composer().compose(message(kind: .escalation, step: 1, slot: "2026-07-01T09:00"), context: .init(earlier: [TaskID("T1-1"): [earlier]]))
        #expect(mail.subject == "【督办】1项整改任务已逾期，请督促落实")
        #expect(mail.text.contains("自2026-07-01起逾期，已逾期1天"))
        #expect(mail.text.contains("此前已发出：2026-06-23 到期前7天提醒"))
        #expect(mail.attachments.isEmpty)
    }

    @Test func hostileLedgerTextIsEscapedInHTMLAndKeptInText() throws {
        let hostile = "<script>alert('x')</script> & {{org}} \"引号\""
        let mail = try composer().compose(message(measure: hostile), context: .init())
        #expect(!mail.html.contains("<script>"))
        #expect(mail.html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; {{org}} &quot;引号&quot;")
                || mail.html.contains("&lt;script&gt;"))
        #expect(mail.text.contains(hostile))  // plain text is not HTML and is not mangled
    }

    @Test func anOverrideFolderWinsAndABrokenTemplateIsReportedWithItsFile() throws {
        let override = try temporaryFolder("templates")
        try FileManager.default.createDirectory(at: override.appendingPathComponent("zh-CN"), withIntermediateDirectories: true)
        try "【自定义】{{count}}项".write(to: override.appendingPathComponent("zh-CN/reminder.subject.mustache"), atomically: true, encoding: .utf8)
        let custom = try composer(searchPath: [override, repository.appendingPathComponent("config/templates")])
        #expect(custom.compose(message(), context: .init()).subject == "【自定义】1项")

        try "{{#tasks}}不闭合".write(to: override.appendingPathComponent("zh-CN/reminder.subject.mustache"), atomically: true, encoding: .utf8)
        let (broken, errors) = TemplateSet.load(searchPath: [override, repository.appendingPathComponent("config/templates")], locale: "zh-CN")
        #expect(broken == nil)
        #expect(errors.count == 1)
        #expect(errors.first?.location.file.hasSuffix("zh-CN/reminder.subject.mustache") == true)
        let (missing, missingErrors) = TemplateSet.load(searchPath: [override], locale: "en")
        #expect(missing == nil && missingErrors.count == TemplateSet.names.count * TemplateSet.parts.count)
    }
    /// `subject` leaves out the per-task values only for a subject template
    /// that cannot read them: one that lists the tasks still shows them, and
    /// every shipped subject is what the full mail's subject is.
    @Test func subjectIsTheMailsSubjectAndStillShowsTasksWhenTheTemplateListsThem() throws {
        for locale in ["zh-CN", "en"] {
            let shipped = try composer(locale: locale)
            for kind in [NotificationKind.reminder, .checkpoint, .escalation, .acceptance, .lookback] {
                let planned = message(kind: kind, step: kind == .escalation ? 2 : 7)
                #expect(shipped.subject(planned) == shipped.compose(planned, context: .init()).subject)
            }
        }
        let override = try temporaryFolder("templates")
        try FileManager.default.createDirectory(at: override.appendingPathComponent("zh-CN"), withIntermediateDirectories: true)
        try "【提醒】{{#tasks}}{{id}} {{measure}}{{/tasks}}".write(to: override.appendingPathComponent("zh-CN/reminder.subject.mustache"), atomically: true, encoding: .utf8)
        let custom = try composer(searchPath: [override, repository.appendingPathComponent("config/templates")])
        #expect(custom.subject(message()) == "【提醒】T1-1 制定年度学习计划")
        #expect(custom.subject(message()) == custom.compose(message(), context: .init()).subject)
    }

    /// A payload as the previous release stored it in the outbox: roles were
    /// Chinese words inside strings. It still decodes, and English mail words
    /// the roles in English.
    func previousReleasePayload() throws -> PlannedMessage {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        var json = try #require(try JSONSerialization.jsonObject(with: try encoder.encode(message(kind: .escalation, step: 2, slot: "2026-07-07T09:00"))) as? [String: Any])
        json["unreachable"] = ["主要负责人 （未填写）", "分管领导 周杰", "责任人 孙丽"]
        return try JSONDecoder.iso.decode(PlannedMessage.self, from: try JSONSerialization.data(withJSONObject: json))
    }

    @Test func rolesOfUnreachablePeopleSpeakTheReadersLanguage() throws {
        let message = try previousReleasePayload()
        let english = try composer(locale: "en").compose(message, context: .init())
        #expect(english.text.contains("principal (not named), supervising leader 周杰, officer 孙丽"), "\(english.text)")
        #expect(english.html.contains("principal (not named), supervising leader 周杰, officer 孙丽"))
        for word in ["主要负责人", "分管领导", "责任人", "未填写"] {
            #expect(!english.text.contains(word) && !english.html.contains(word), "English mail says \(word)")
        }
        let chinese = try composer().compose(message, context: .init())
        #expect(chinese.text.contains("说明：主要负责人 （未填写）、分管领导 周杰、责任人 孙丽暂无邮箱地址"), "\(chinese.text)")
    }

    @Test func formatAndControlCharactersShowEscapedInBodiesAndNeverReachAHeader() throws {
        var message = message(measure: "制定\u{202E}划计\u{0}年度\u{1B}[31m学习计划")
        message.to = [Contact(name: "张\u{202E}伟\u{200F}", email: "zhang.wei@example.org")]
        let mail = try composer().compose(message, context: .init())
        #expect(mail.text.contains("制定<U+202E>划计<U+0000>年度<U+001B>[31m学习计划"), "\(mail.text)")
        #expect(mail.html.contains("制定&lt;U+202E&gt;划计&lt;U+0000&gt;年度&lt;U+001B&gt;[31m学习计划"))
        let invisible: (Unicode.Scalar) -> Bool = { [0x202E, 0x200F, 0x0, 0x1B].contains($0.value) }
        #expect(!mail.text.unicodeScalars.contains(where: invisible) && !mail.html.unicodeScalars.contains(where: invisible))
        #expect(!mail.subject.unicodeScalars.contains(where: invisible))
        let parsed = try parseWithPython(MIMEWriter.write(mail))
        #expect(parsed.to == "张伟 <zhang.wei@example.org>")
        #expect(parsed.defects.isEmpty)
        let event = try #require(parsed.attachments.first?.events?.first)
        #expect(event.summary.contains("制定<U+202E>划计<U+0000>年度<U+001B>[31m学习计划"), "\(event.summary)")
    }
}
