import DubanTesting
import Foundation
import Testing

/// The weekly personal lists, end to end: `run --once` on the digest day
/// delivers them through SMTP to aiosmtpd.
@Suite struct PersonalListTests {
    /// A ledger for 2026-07-06 (a Monday): 张伟 has three open tasks (one
    /// overdue, one due in 4 days, one in 25), a done one and a 长期坚持 one;
    /// 王芳 turned her list off; 孙丽 has no address.
    func setUp(server: SMTPTestServer, enabled: Bool = true, personal: String = "",
               extraRows: String = "", extraPeople: String = "") throws -> (config: String, folder: URL) {
        let (config, folder) = try isolatedExampleConfig(mail: "[mail]\ntransport = \"smtp\"\n[mail.smtp]\nhost = \"127.0.0.1\"\nport = \(server.port)\nsecurity = \"plain\"")
        let ledger = folder.appendingPathComponent("ledger.csv"), people = folder.appendingPathComponent("people.csv")
        try """
            序号,问题描述,任务编号,整改措施,责任部门,责任人,分管领导,整改时限,整改进展,完成情况
            1,问题一,A-LATER,措施甲,党委办公室,张伟,李强,2026-07-31,,整改中
            1,问题一,A-LATE,措施乙,党委办公室,张伟,李强,2026-07-01,正在起草,整改中
            1,问题一,A-SOON,措施丙,党委办公室,张伟,李强,2026-07-10,,未整改
            1,问题一,A-DONE,措施丁,党委办公室,张伟,李强,2026-06-30,,已完成
            1,问题一,A-KEEP,措施戊,党委办公室,张伟,李强,长期坚持,,长期坚持
            2,问题二,B-OPT,措施己,组织部,王芳,周杰,2026-07-03,,整改中
            2,问题二,B-NOADDR,措施庚,组织部,孙丽,周杰,2026-08-30,,整改中
            \(extraRows)
            """.write(to: ledger, atomically: true, encoding: .utf8)
        try """
            姓名,部门,邮箱,上级,个人清单
            张伟,党委办公室,zhang.wei@example.org,李强,
            王芳,组织部,wang.fang@example.org,周杰,否
            孙丽,组织部,,周杰,
            李强,党委,li.qiang@example.org,,
            周杰,党委,zhou.jie@example.org,,是
            \(extraPeople)
            """.write(to: people, atomically: true, encoding: .utf8)
        var text = try String(contentsOfFile: config, encoding: .utf8)
        text = text.replacingOccurrences(of: #"paths = ["\#(repository.path)/config/examples/ledger.xlsx"]"#, with: #"paths = ["\#(ledger.path)"]"#)
            .replacingOccurrences(of: #"file = "\#(repository.path)/config/examples/people.csv""#, with: #"file = "\#(people.path)""#)
            .replacingOccurrences(of: "sheet = \"整改台账\"\n", with: "")
        if !personal.isEmpty { text = text.replacingOccurrences(of: "[personal]\n", with: "[personal]\n\(personal)\n") }
        if !enabled { text = text.replacingOccurrences(of: "[personal]\n", with: "[personal]\nenabled = false\n").replacingOccurrences(of: "\nenabled = true\n", with: "\n") }
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        return (config, folder)
    }

    @Test func officersAndLeadersGetTheirListsOnce() throws {
        let server = try SMTPTestServer()
        defer { server.stop() }
        let (config, _) = try setUp(server: server)
        let pass = try DubanProcess.run(["run", "--once", "--at", "2026-07-06T09:00", "--config", config])
        #expect(pass.status == 0, "\(pass.stdout) \(pass.stderr)")
        let mails = try parseWithPython(server.received)
        let personal = mails.filter { $0.subject.hasPrefix("【我的整改任务】") || $0.subject.hasPrefix("【分管整改任务】") }
        #expect(Set(personal.map(\.to)) == ["张伟 <zhang.wei@example.org>", "李强 <li.qiang@example.org>", "周杰 <zhou.jie@example.org>"],
                "\(mails.map { ($0.to, $0.subject) })")

        // The officer: open tasks only, nearest deadline first, each with Duban's next step.
        let zhang = try #require(personal.first { $0.to.contains("zhang.wei") })
        #expect(zhang.subject == "【我的整改任务】2026年巡察反馈问题整改 2026-W28：3项未完成，逾期1项")
        let text = try #require(zhang.text)
        let order = ["A-LATE", "A-SOON", "A-LATER"].map { text.range(of: "【\($0)】")?.lowerBound }
        #expect(order.allSatisfy { $0 != nil } && order[0]! < order[1]! && order[1]! < order[2]!, "\(text)")
        #expect(!text.contains("A-DONE") && !text.contains("A-KEEP"))
        #expect(text.contains("【A-LATER】措施甲\n  时限：2026-07-31（还有25天）；状态：整改中\n  整改进展：（未填写）\n  督办系统下一步：2026-07-24 到期前7天提醒\n"), "\(text)")
        #expect(text.contains("  整改进展：正在起草\n  督办系统下一步：2026-"))
        #expect(try htmlProblems(try #require(zhang.html)).isEmpty)

        // The leaders: overdue and due within 7 days of what they supervise, whoever turned their own list off.
        let li = try #require(personal.first { $0.to.contains("li.qiang") }?.text)
        #expect(li.contains("【A-LATE】") && li.contains("【A-SOON】") && !li.contains("A-LATER"), "\(li)")
        let zhou = try #require(personal.first { $0.to.contains("zhou.jie") })
        #expect(zhou.subject == "【分管整改任务】2026年巡察反馈问题整改 2026-W28：逾期1项")
        #expect(zhou.text?.contains("【B-OPT】措施己（组织部，责任人王芳）") == true && zhou.text?.contains("B-NOADDR") == false)

        // Later that day nothing goes out again.
        let again = try DubanProcess.run(["run", "--once", "--at", "2026-07-06T11:00", "--config", config])
        #expect(again.status == 0)
        let after = try parseWithPython(server.received).filter { $0.subject.hasPrefix("【我的整改任务】") || $0.subject.hasPrefix("【分管整改任务】") }
        #expect(after.count == 3)
    }

    /// `[personal] enabled = false` sends none; preview shows what would go out with its figures.
    @Test func listsCanBeTurnedOffAndPreviewShowsThem() throws {
        let server = try SMTPTestServer()
        defer { server.stop() }
        let (config, _) = try setUp(server: server)
        let preview = try DubanProcess.run(["preview", "--config", config, "--at", "2026-07-06T09:00", "--format", "json"])
        let output = try JSONSerialization.jsonObject(with: Data(preview.stdout.utf8)) as! [String: Any]
        let lists = (output["messages"] as! [[String: Any]]).filter { $0["kind"] as? String == "personal" }
        #expect(lists.count == 3)
        let zhang = try #require(lists.first { ($0["to"] as? [String]) == ["zhang.wei@example.org"] })
        #expect(zhang["subject"] as? String == "【我的整改任务】2026年巡察反馈问题整改 2026-W28：3项未完成，逾期1项")
        let figures = try #require(zhang["list"] as? [String: Any])
        #expect(figures["tasks"] as? Int == 3 && figures["overdue"] as? Int == 1 && figures["dueSoon"] as? Int == 1 && figures["role"] as? String == "officer")

        let (off, _) = try setUp(server: server, enabled: false)
        let pass = try DubanProcess.run(["run", "--once", "--at", "2026-07-06T09:00", "--config", off])
        #expect(pass.status == 0, "\(pass.stderr)")
        #expect(try parseWithPython(server.received).allSatisfy { !$0.subject.hasPrefix("【我的整改任务】") && !$0.subject.hasPrefix("【分管整改任务】") })
    }

    /// The subjects of the personal lists `preview --at` shows.
    func previewedLists(_ config: String, at: String) throws -> [String: String] {
        let preview = try DubanProcess.run(["preview", "--config", config, "--at", at, "--format", "json"])
        #expect(preview.status == 0, "\(preview.stderr)")
        let output = try JSONSerialization.jsonObject(with: Data(preview.stdout.utf8)) as! [String: Any]
        var lists: [String: String] = [:]
        for message in (output["messages"] as! [[String: Any]]) where message["kind"] as? String == "personal" {
            lists[(message["to"] as? [String])?.joined(separator: ",") ?? ""] = message["subject"] as? String
        }
        return lists
    }

    /// A personal day missed while Duban was down is caught up later in the
    /// same week (like the digest), not lost; the week after, it is not.
    @Test func aMissedPersonalDayIsCaughtUpWithinTheWeek() throws {
        let server = try SMTPTestServer()
        defer { server.stop() }
        let (config, _) = try setUp(server: server)
        // Down on Monday 07-06; back on Tuesday morning.
        let tuesday = try previewedLists(config, at: "2026-07-07T10:00")
        #expect(Set(tuesday.keys) == ["zhang.wei@example.org", "li.qiang@example.org", "zhou.jie@example.org"], "\(tuesday)")
        #expect(tuesday["zhang.wei@example.org"]?.contains("2026-W28") == true)
        let pass = try DubanProcess.run(["run", "--once", "--at", "2026-07-07T10:00", "--config", config])
        #expect(pass.status == 0, "\(pass.stderr)")
        #expect(try parseWithPython(server.received).count { $0.subject.hasPrefix("【我的整改任务】") || $0.subject.hasPrefix("【分管整改任务】") } == 3)
        // Once sent, Wednesday has nothing more.
        #expect(try previewedLists(config, at: "2026-07-08T10:00").isEmpty)
    }

    /// `weekday = 5` and Friday 2026-05-01 a holiday: week 18's list slides
    /// to Wednesday 05-06 (week 19) and goes out then, and week 19's on its
    /// own Friday 05-08.
    @Test func aListThatSlidesIntoTheNextWeekStillGoesOut() throws {
        let server = try SMTPTestServer()
        defer { server.stop() }
        let (config, _) = try setUp(server: server, personal: "weekday = 5")
        let slid = try previewedLists(config, at: "2026-05-06T09:00")
        // In May nothing is overdue or due within 7 days: the officer's list alone.
        #expect(Array(slid.keys) == ["zhang.wei@example.org"] && slid.values.allSatisfy { $0.contains("2026-W18") }, "\(slid)")
        let pass = try DubanProcess.run(["run", "--once", "--at", "2026-05-06T09:00", "--config", config])
        #expect(pass.status == 0, "\(pass.stderr)")
        let friday = try previewedLists(config, at: "2026-05-08T09:00")
        #expect(Array(friday.keys) == ["zhang.wei@example.org"] && friday.values.allSatisfy { $0.contains("2026-W19") }, "\(friday)")
    }

    /// 李强 supervises 张伟's tasks and is the officer of one of his own: one
    /// mail in the slot (DESIGN: one mail per person per slot), his own task
    /// first, then the overdue and due-soon tasks of the people he
    /// supervises, under the officer's identity.
    @Test func anOfficerWhoAlsoSupervisesGetsOneMail() throws {
        let server = try SMTPTestServer()
        defer { server.stop() }
        let (config, _) = try setUp(server: server, extraRows: "3,问题三,C-OWN,措施辛,党委,李强,周杰,2026-07-20,,整改中\n")
        let pass = try DubanProcess.run(["run", "--once", "--at", "2026-07-06T09:00", "--config", config])
        #expect(pass.status == 0, "\(pass.stdout) \(pass.stderr)")
        let mails = try parseWithPython(server.received)
        let toLi = mails.filter { $0.to.contains("li.qiang") && ($0.subject.hasPrefix("【我的整改任务】") || $0.subject.hasPrefix("【分管整改任务】")) }
        #expect(toLi.count == 1, "\(toLi.map(\.subject))")
        let li = try #require(toLi.first)
        #expect(li.subject == "【我的整改任务】2026年巡察反馈问题整改 2026-W28：1项未完成；分管逾期1项，7天内到期1项")
        let text = try #require(li.text)
        let order = ["【C-OWN】措施辛\n", "【A-LATE】措施乙（党委办公室，责任人张伟）", "【A-SOON】措施丙（党委办公室，责任人张伟）"].map { text.range(of: $0)?.lowerBound }
        #expect(order.allSatisfy { $0 != nil } && order[0]! < order[1]! && order[1]! < order[2]!, "\(text)")
        #expect(!text.contains("A-LATER"))
        let html = try #require(li.html)
        #expect(html.contains("C-OWN") && html.contains("A-LATE") && html.contains("A-SOON"))
        #expect(try htmlProblems(html).isEmpty)
        // The others are as before: 张伟's own list, 周杰's supervised one.
        #expect(mails.count { $0.subject.hasPrefix("【我的整改任务】") || $0.subject.hasPrefix("【分管整改任务】") } == 3)
        let preview = try previewedLists(config, at: "2026-07-13T09:00")
        #expect(preview["li.qiang@example.org"]?.hasPrefix("【我的整改任务】") == true, "\(preview)")
    }

    /// A task whose officer is also its supervising leader is listed once,
    /// as their own, and counted once in the subject (review 3, finding 7).
    @Test func aTaskSupervisedByItsOwnOfficerIsListedOnce() throws {
        let server = try SMTPTestServer()
        defer { server.stop() }
        let (config, _) = try setUp(server: server, extraRows: "3,问题三,C-SELF,措施壬,党委,李强,李强,2026-07-03,,整改中\n")
        let pass = try DubanProcess.run(["run", "--once", "--at", "2026-07-06T09:00", "--config", config])
        #expect(pass.status == 0, "\(pass.stdout) \(pass.stderr)")
        let mails = try parseWithPython(server.received)
        let li = try #require(mails.first { $0.to.contains("li.qiang") && $0.subject.hasPrefix("【我的整改任务】") })
        #expect(li.subject == "【我的整改任务】2026年巡察反馈问题整改 2026-W28：1项未完成，逾期1项；分管逾期1项，7天内到期1项")
        let text = try #require(li.text)
        #expect(text.components(separatedBy: "C-SELF").count == 2, "\(text)")
    }

    /// Two people named 王芳: the one in 组织部 turned her list off; the one
    /// in 党委办公室 did not and still gets hers.
    @Test func optingOutSilencesOnlyThatPerson() throws {
        let server = try SMTPTestServer()
        defer { server.stop() }
        let (config, _) = try setUp(server: server, extraRows: "3,问题三,C-NAMESAKE,措施辛,党委办公室,王芳,李强,2026-07-20,,整改中\n",
                                    extraPeople: "王芳,党委办公室,wang.fang2@example.org,李强,\n")
        let lists = try previewedLists(config, at: "2026-07-06T09:00")
        #expect(lists["wang.fang2@example.org"] != nil && lists["wang.fang@example.org"] == nil, "\(lists)")
    }
}
