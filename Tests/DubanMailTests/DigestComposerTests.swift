@testable import DubanCore
@testable import DubanMail
import DubanTesting
import Foundation
import Testing

@Suite struct DigestComposerTests {
    let clock = LocalClock(timeZone: TimeZone(identifier: "Asia/Shanghai")!)
    let today = LocalDate("2026-07-06")!

    func composer(_ locale: String) throws -> Composer {
        let (templates, errors) = TemplateSet.load(searchPath: [repository.appendingPathComponent("config/templates")], locale: locale)
        #expect(errors.isEmpty, "\(errors)")
        return Composer(templates: try #require(templates), from: Contact(name: "整改办", email: "duban@example.org"),
                        organization: "XX单位", programme: "2026年巡察整改", clock: clock, lookBackMonths: 3)
    }

    /// Three overdue tasks, escalated to level 1, level 2, and level 2 for the first repeat.
    /// The planner every digest here is built with: 2026's calendar, the default policy.
    var planner: Planner {
        Planner(calendar: WorkCalendar(years: [WorkCalendar.Year(year: 2026)]), policy: Policy(),
                chain: Chain(office: Contact(name: "整改办", email: "zgb@example.org")), clock: clock,
                feedbackDate: LocalDate("2026-03-15"))
    }

    /// One task of 办公室, due on `due`, in `status`, done on `completed`.
    func task(_ id: String, due: String, status: TaskStatus, completed: String? = nil) -> RectificationTask {
        RectificationTask(id: TaskID(id), idIsExplicit: true, problemNumber: "1", measure: "措施\(id)", department: "办公室",
                          officer: Contact(name: "孙丽"), deadline: .by(LocalDate(due)!), status: status,
                          completedOn: completed.flatMap(LocalDate.init), source: SourceLocation(file: "l"))
    }

    func digest() -> Digest {
        let tasks = ["L1", "L2", "R1"].map {
            RectificationTask(id: TaskID($0), idIsExplicit: true, problemNumber: "1", measure: "措施\($0)", department: "办公室",
                              officer: Contact(name: "孙丽"), deadline: .by(LocalDate("2026-06-01")!), status: .inProgress,
                              source: SourceLocation(file: "l"))
        }
        var inputs = DigestBuilder.Inputs(snapshot: LedgerSnapshot(tasks: tasks),
                                          highestEscalation: [TaskID("L1"): 1, TaskID("L2"): 2, TaskID("R1"): 3])
        // R1 was caught up after downtime: its step 3 is the only notice sent.
        inputs.escalationsSent = [TaskID("L1"): 1, TaskID("L2"): 2, TaskID("R1"): 1]
        return DigestBuilder(planner: planner).build(week: ISOWeek(containing: today), today: today, inputs)
    }

    /// "……另有0项，见附件。" was printed under every overdue list: a number,
    /// even 0, opens a mustache section.
    @Test func nothingLeftOutSaysNothingAboutTheAttachment() throws {
        for locale in ["zh-CN", "en"] {
            let rendered = try composer(locale).renderDigest(digest(), audience: nil)
            for part in [rendered.text, rendered.html] {
                #expect(!part.contains("另有") && !part.contains("more in the attached"), "\(locale): \(part)")
            }
        }
        // With more overdue tasks than the mail lists, the rest is counted.
        var long = digest()
        long.overdue = Array(repeating: long.overdue[0], count: Composer.listLimit + 3)
        let chinese = try composer("zh-CN").renderDigest(long, audience: nil)
        #expect(chinese.text.contains("……另有3项，见附件。"))
    }

    /// A first digest after importing a large ledger lists every task as
    /// 新增任务 and every completed one as 待验收: each list in the mail stops
    /// at `listLimit` and says the rest are in the workbook, so the mail
    /// stays small however large the ledger.
    @Test func everyListInTheMailIsCapped() throws {
        var large = digest()
        let row = large.overdue[0]
        let many = (0..<(Composer.listLimit * 5)).map { index -> Digest.TaskRow in
            var copy = row
            copy.id = "N\(index)"
            copy.measure = "措施" + String(repeating: "很长的整改措施文字", count: 20) + "\(index)"
            return copy
        }
        large.acceptancePending = many
        large.lookBacksDue = many
        large.changes = Digest.Changes(newlyCompleted: many, newlyClosed: many, newlyOverdue: many, deadlinesMoved: [],
                                       added: many, removed: many)
        for locale in ["zh-CN", "en"] {
            let rendered = try composer(locale).renderDigest(large, audience: nil)
            for part in [rendered.text, rendered.html] {
                #expect(part.contains("N\(Composer.listLimit - 1)") && !part.contains("N\(Composer.listLimit)措施")
                        && !part.contains("【N\(Composer.listLimit)】") && !part.contains("[N\(Composer.listLimit)]"), "\(locale)")
                #expect(part.contains(locale == "zh-CN" ? "其余清单各只列出前\(Composer.listLimit)项" : "first \(Composer.listLimit) tasks each"))
                // 7 lists of 200 long rows each, not 7 × 1000: well under a megabyte.
                #expect(part.utf8.count < 1_500_000, "\(locale): \(part.utf8.count) bytes")
            }
        }
    }

    /// The HTML is balanced, script-free, and carries the trend chart as
    /// table-cell bars with every week's figures as text beside them.
    @Test func theTrendChartIsTablesWithItsFiguresBeside() throws {
        var digest = digest()
        digest.trend = [Digest.TrendPoint(week: ISOWeek("2026-W26")!, completionRate: 12.5, overdue: 4),
                        Digest.TrendPoint(week: ISOWeek("2026-W27")!, completionRate: 25, overdue: 2)] + digest.trend
        for locale in ["zh-CN", "en"] {
            let rendered = try composer(locale).renderDigest(digest, audience: nil)
            #expect(try htmlProblems(rendered.html).isEmpty, "\(locale)")
            #expect(!rendered.html.lowercased().contains("<script") && !rendered.html.contains("<img"))
            // One row per week: the bar widths are the rate (rounded) and the overdue count scaled to the worst week.
            #expect(rendered.html.contains(#"<td width="13%" style="background:#2e7d32"#), "\(locale)")
            #expect(rendered.html.contains(#"<td width="100%" style="background:#c62828"#))   // W26: 4 of 4
            #expect(rendered.html.contains(#"<td width="75%" style="background:#c62828"#))    // W28: 3 of 4
            for figure in ["2026-W26", "12.5%", "2026-W27", "25.0%", "2026-W28"] {
                #expect(rendered.html.contains(figure) && rendered.text.contains(figure), "\(locale) \(figure)")
            }
        }
        let chinese = try composer("zh-CN").renderDigest(digest, audience: nil)
        #expect(chinese.text.contains("2026-W26：完成率12.5%，逾期4项\n2026-W27：完成率25.0%，逾期2项\n2026-W28（本周）：完成率0.0%，逾期3项\n"), "\(chinese.text)")
    }

    /// The overdue list carries the progress text and the notices sent; the
    /// yellow list names its tasks with the reason.
    @Test func overdueAndYellowListsNameTheirTasks() throws {
        let tasks = [
            RectificationTask(id: TaskID("LATE"), idIsExplicit: true, problemNumber: "1", measure: "逾期措施", department: "办公室",
                              officer: Contact(name: "孙丽"), deadline: .by(LocalDate("2026-06-01")!), progress: "正在征求意见", status: .inProgress,
                              source: SourceLocation(file: "l")),
            RectificationTask(id: TaskID("SOON"), idIsExplicit: true, problemNumber: "1", measure: "临期措施", department: "办公室",
                              officer: Contact(name: "张伟"), deadline: .by(LocalDate("2026-07-09")!), status: .inProgress,
                              source: SourceLocation(file: "l")),
        ]
        let notices = [TaskID("LATE"): [Digest.Notice(kind: .reminder, step: 7, on: LocalDate("2026-05-25")!),
                                        Digest.Notice(kind: .escalation, step: 1, on: LocalDate("2026-06-02")!)]]
        let digest = DigestBuilder(planner: planner).build(week: ISOWeek(containing: today), today: today,
                                                           .init(snapshot: LedgerSnapshot(tasks: tasks), notices: notices))
        let text = try composer("zh-CN").renderDigest(digest, audience: nil).text
        #expect(text.contains("  整改进展：正在征求意见\n  已发通知：05-25 到期提醒、06-02 报分管领导\n"), "\(text)")
        #expect(text.contains("【SOON】临期措施（办公室，张伟）2026-07-09：7天内到期；整改进展：（未填写）"), "\(text)")
        let html = try composer("en").renderDigest(digest, audience: nil).html
        #expect(html.contains("05-25 reminder<br>06-02 escalated to the supervising leader"), "\(html)")
    }

    /// A task yellow for unchanged progress says over how many weekly reads
    /// (`[digest] stale_weeks`), not 多周; a notice of any kind is worded,
    /// not shown as its raw name; a blank department is worded in the
    /// reader's language.
    @Test func yellowReasonsNoticesAndBlankGroupsAreWorded() throws {
        let tasks = [
            RectificationTask(id: TaskID("STALE"), idIsExplicit: true, problemNumber: "1", measure: "停滞措施", department: "",
                              officer: Contact(name: "孙丽"), deadline: .by(LocalDate("2026-09-30")!), progress: "正在起草", status: .inProgress,
                              source: SourceLocation(file: "l")),
            RectificationTask(id: TaskID("LATE"), idIsExplicit: true, problemNumber: "1", measure: "逾期措施", department: "办公室",
                              officer: Contact(name: "孙丽"), deadline: .by(LocalDate("2026-03-01")!), status: .inProgress,
                              source: SourceLocation(file: "l")),
        ]
        let history = [[TaskID("STALE"): "正在起草"], [TaskID("STALE"): "正在起草"]]
        let notices = [TaskID("LATE"): [Digest.Notice(kind: .escalation, step: 3, on: LocalDate("2026-04-01")!),
                                        Digest.Notice(kind: .interview, step: 1, on: LocalDate("2026-04-20")!)]]
        let digest = DigestBuilder(planner: planner, staleWeeks: 2).build(
            week: ISOWeek(containing: today), today: today, .init(snapshot: LedgerSnapshot(tasks: tasks), notices: notices, progressHistory: history))
        let chinese = try composer("zh-CN").renderDigest(digest, audience: nil)
        #expect(chinese.text.contains("整改进展连续2周未更新") && !chinese.text.contains("多周未更新；"), "\(chinese.text)")
        #expect(chinese.text.contains("04-20 拟约谈") && !chinese.text.contains("interview"), "\(chinese.text)")
        #expect(chinese.text.contains("（未填写）：任务1项"), "\(chinese.text)")
        let english = try composer("en").renderDigest(digest, audience: nil)
        #expect(english.text.contains("progress unchanged over 2 weeks"), "\(english.text)")
        #expect(english.text.contains("04-20 interview proposed"), "\(english.text)")
        #expect(!english.text.contains("未填写") && !english.html.contains("未填写") && english.text.contains("(not given)"), "\(english.text)")
    }

    /// Finished late and still open past the due date are told apart, each
    /// with its own average (they were one figure, 平均超期, over both).
    @Test func lateAndOverdueAreToldApart() throws {
        // Done 4 and 2 days late; open 6 (06-30) and 10 (06-26) days past the due date on 07-06.
        let digest = DigestBuilder(planner: planner).build(week: ISOWeek(containing: today), today: today, .init(snapshot: LedgerSnapshot(tasks: [
            task("D1", due: "2026-06-01", status: .completed, completed: "2026-06-05"),
            task("D2", due: "2026-06-01", status: .completed, completed: "2026-06-03"),
            task("D3", due: "2026-06-01", status: .completed, completed: "2026-05-30"),
            task("O1", due: "2026-06-30", status: .inProgress), task("O2", due: "2026-06-26", status: .notStarted),
        ])))
        #expect(digest.counts.lateDone == 2 && digest.counts.averageDaysLateDone == 3 && digest.counts.averageDaysOverdue == 8)
        let text = try composer("zh-CN").renderDigest(digest, audience: nil).text
        #expect(text.contains("超期完成2项，平均超期3.0天；逾期未完成2项，平均已逾期8.0天"), "\(text)")
        let english = try composer("en").renderDigest(digest, audience: nil).text
        #expect(english.contains("2 done late, 3.0 days late on average; 2 open past their due date, 8.0 days on average"), "\(english)")
    }

    /// Templates overridden in /etc/duban/templates survive upgrades; one
    /// written for the keys before late and overdue were told apart, or
    /// before a leader's rows moved to `supervised`, must still get its
    /// figures, not blanks (review 3, finding 3).
    @Test func anOverrideWrittenForTheOldKeysStillGetsItsFigures() throws {
        // Done 4 and 2 days late; open 6 and 10 days past the due date: late 4, on average 5.5 days.
        let digest = DigestBuilder(planner: planner).build(week: ISOWeek(containing: today), today: today, .init(snapshot: LedgerSnapshot(tasks: [
            task("D1", due: "2026-06-01", status: .completed, completed: "2026-06-05"),
            task("D2", due: "2026-06-01", status: .completed, completed: "2026-06-03"),
            task("O1", due: "2026-06-30", status: .inProgress), task("O2", due: "2026-06-26", status: .notStarted),
        ])))
        let override = try temporaryFolder("templates")
        let folder = override.appendingPathComponent("zh-CN")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "超期任务{{late}}项，平均超期{{average_days_late}}天".write(to: folder.appendingPathComponent("digest.txt.mustache"), atomically: true, encoding: .utf8)
        // The old personal subject: a leader's list had its rows in `tasks`, counted by `count` and `overdue`.
        try "{{name}}：{{count}}项，逾期{{overdue}}项".write(to: folder.appendingPathComponent("personal.subject.mustache"), atomically: true, encoding: .utf8)
        try "{{#tasks}}【{{id}}】{{/tasks}}{{#more}}另有{{more}}项{{/more}}".write(to: folder.appendingPathComponent("personal.txt.mustache"), atomically: true, encoding: .utf8)
        let (templates, errors) = TemplateSet.load(searchPath: [override, repository.appendingPathComponent("config/templates")], locale: "zh-CN")
        #expect(errors.isEmpty, "\(errors)")
        let composer = Composer(templates: try #require(templates), from: Contact(name: "整改办", email: "duban@example.org"),
                                organization: "XX单位", programme: "2026年巡察整改", clock: clock, lookBackMonths: 3)
        #expect(composer.renderDigest(digest, audience: nil).text == "超期任务4项，平均超期5.5天")

        let rows = digest.overdue.map { PersonalList.Item(task: $0, next: nil, nextOn: nil) }
        #expect(rows.count == 2)
        let leader = PersonalList(person: Contact(name: "李强", email: "li@example.org"), week: ISOWeek(containing: today), today: today, supervised: rows)
        let values = composer.personalValues(leader)
        #expect(composer.personalSubject(leader) == "李强：2项，逾期2项")
        #expect(composer.templates.render("personal", "txt", values) == rows.map { "【\($0.task.id)】" }.joined())
    }

    @Test func theHighestEscalationIsWordedInTheReadersLanguage() throws {
        let digest = digest()
        let english = try composer("en").renderDigest(digest, audience: nil)
        #expect(english.text.contains("day(s) overdue, escalated to the supervising leader (1 notice(s) sent)\n"), "\(english.text)")
        // Issue 12: the count is what the log shows as sent, never the step number.
        #expect(english.text.contains("escalated to the principal (1 notice(s) sent)"))
        #expect(!english.text.contains("repeat"))
        #expect(!english.text.contains("escalation L"))
        let chinese = try composer("zh-CN").renderDigest(digest, audience: nil)
        #expect(chinese.text.contains("天，已报主要负责人（已督办1次）"), "\(chinese.text)")
        #expect(chinese.text.contains("天，已报主要负责人（已督办2次）"))
        #expect(chinese.text.contains("天，已报分管领导（已督办1次）\n"))
        #expect(!chinese.text.contains("再督办"))

        // The workbook words it too: the CSV it replaced used to carry the rule's English name in a Chinese sheet.
        let cells = digest.tasks.flatMap { DigestWorkbook.cells($0, english: false) }.map { String(describing: $0) }
        #expect(cells.contains(#"text("报主要负责人（已督办1次）")"#) && cells.contains(#"text("报分管领导（已督办1次）")"#), "\(cells)")
        #expect(!cells.contains { $0.contains("escalation L") })
    }

    @Test func csvCellsShowControlAndFormatCharactersEscaped() {
        #expect(DigestCSV.quote("a\u{0}b\u{1B}c\u{202E}d") == "a<U+0000>b<U+001B>c<U+202E>d")
        #expect(DigestCSV.quote("第一行\n第二行") == "\"第一行\n第二行\"")   // a line break stays a quoted line break
        #expect(DigestCSV.quote("=1+1") == "'=1+1")
    }
}
