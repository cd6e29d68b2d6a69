import DubanCore
@testable import DubanLedger
import Foundation
import Testing

@Suite struct LedgerLoaderTests {
    let loader = LedgerLoader(feedbackDate: feedback)

    /// The sample ledger, as the fixture script wrote it: what every format must yield.
    struct Expected: Equatable {
        var id: String, problem: String, measure: String, department: String, officer: String?, leader: String?
        var deadline: Deadline, status: TaskStatus
    }

    static let expected: [Expected] = [
        .init(id: "T1-1", problem: "1", measure: "制定年度理论学习计划", department: "党委办公室", officer: "张伟", leader: "李强",
              deadline: .by(date("2026-06-30")), status: .inProgress),
        .init(id: "T1-2", problem: "1", measure: "建立学习台账，逐次记录", department: "党委办公室", officer: "王芳", leader: "李强",
              deadline: .by(date("2026-05-31")), status: .completed),
        .init(id: "T1-3", problem: "1", measure: "开展专题研讨，每季度一次", department: "宣传部", officer: "刘洋", leader: "李强",
              deadline: .ongoing, status: .ongoing),
        .init(id: "T2-1", problem: "2", measure: "清退超标准接待费用", department: "财务处", officer: "陈静", leader: "赵敏",
              deadline: .immediate(nil), status: .closed),
        .init(id: "T2-2", problem: "2", measure: "修订公务接待管理办法", department: "财务处", officer: "陈静", leader: "赵敏",
              deadline: .by(date("2026-06-30")), status: .accepted),
        .init(id: "T3-1", problem: "3", measure: "专项审核干部人事档案", department: "组织部", officer: "孙丽", leader: "周杰",
              deadline: .byThenOngoing(date("2026-12-31")), status: .inProgress),
        .init(id: "T3-2", problem: "3", measure: "建立档案审核责任制，明确\n审核程序", department: "组织部", officer: "孙丽", leader: "周杰",
              deadline: .by(date("2026-09-30")), status: .notStarted),
    ]

    @Test(arguments: ["sample.xlsx", "sample-utf8.csv", "sample-bom.csv", "sample-gb18030.csv"])
    func everyFormatYieldsTheSameLedger(name: String) {
        let snapshot = loader.load(fixture(name))
        #expect(snapshot.diagnostics.isEmpty, "\(snapshot.diagnostics)")
        let got = snapshot.tasks.map {
            Expected(id: $0.id.rawValue, problem: $0.problemNumber, measure: $0.measure, department: $0.department,
                     officer: $0.officer?.name, leader: $0.leader?.name, deadline: $0.deadline, status: $0.status)
        }
        #expect(got == Self.expected)
        #expect(snapshot.problems.map(\.number) == ["1", "2", "3"])
        #expect(snapshot.problems[2].description == "干部档案审核不严，部分档案信息不一致")
        let t11 = snapshot.tasks[0]
        #expect(t11.checkpoints == [Checkpoint(date: date("2026-04-30"), label: "计划初稿"),
                                    Checkpoint(date: date("2026-05-31"), label: "征求意见")])
        #expect(t11.source.row == 4)
        let t21 = snapshot.tasks[3]
        #expect(t21.completedOn == date("2026-03-25") && t21.acceptedOn == date("2026-03-28") && t21.closedOn == date("2026-03-31"))
    }

    @Test func badRowsAreReportedAtTheirCellAndStillLoaded() {
        let snapshot = loader.load(fixture("bad.csv"))
        let file = fixture("bad.csv").path
        // Every row is still a task: nothing is silently skipped.
        #expect(snapshot.tasks.map(\.id.rawValue) == ["B-1", "B-2", "B-3", "B-4", "B-1@6", "B-5", "B-6"])
        func find(_ row: Int, _ column: Int) -> Diagnostic? {
            snapshot.diagnostics.first { $0.location == SourceLocation(file: file, row: row, column: column) }
        }
        #expect(find(3, 9)?.severity == .error)                          // 下月中旬
        #expect(find(3, 9)?.message.contains("下月中旬") == true)
        #expect(snapshot.tasks[1].deadline == .unparsed("下月中旬"))
        #expect(find(4, 9)?.message.contains("2026-02-30 is not a real date") == true)
        #expect(find(5, 13)?.severity == .warning)                       // unknown status
        #expect(snapshot.tasks[3].status == .inProgress)
        #expect(find(6, 4)?.message.contains("used twice") == true)      // duplicate id
        #expect(find(7, 10)?.message.contains("某天 试点") == true)       // one bad checkpoint …
        #expect(snapshot.tasks[5].checkpoints.count == 1)                // … the good one kept
        #expect(find(8, 9)?.message.contains("empty") == true)           // missing deadline
        // Continuation rows inherit the problem and its leader.
        #expect(snapshot.tasks.allSatisfy { $0.problemNumber == "1" && $0.leader?.name == "李强" })
        #expect(snapshot.diagnostics.errorCount == 5)
    }

    @Test func noHeaderAndEmptySheetAreErrors() {
        let noHeader = loader.load(fixture("no-header.csv"))
        #expect(noHeader.diagnostics.map(\.severity) == [.error])
        #expect(noHeader.diagnostics[0].message.contains("no header row"))
        let empty = loader.load(fixture("empty.xlsx"))
        #expect(empty.diagnostics.map(\.message) == ["the sheet is empty"])
    }

    @Test func unreadableFileIsAnErrorNotACrash() {
        let snapshot = loader.load([fixture("truncated.xlsx"), fixture("sample.xlsx")], people: PeopleDirectory())
        #expect(snapshot.tasks.count == 7)   // the good file still loads
        #expect(snapshot.diagnostics.contains { $0.severity == .error && $0.location.file.hasSuffix("truncated.xlsx") })
    }

    @Test func headingsFoundByAliasAndByConfiguredOverride() throws {
        let csv = """
            巡察反馈问题整改情况表
            编号,反馈问题,整改任务,牵头单位,具体责任人,计划完成时间,进展情况
            1,问题,任务一,办公室,张伟,2026-06-30,推进中
            """
        let url = try temporaryFile("alias.csv", Data(csv.utf8))
        let plain = LedgerLoader(feedbackDate: feedback).load(url)
        // 计划完成时间 is not a known heading: the deadline column is missing.
        #expect(plain.diagnostics.contains { $0.severity == .error && $0.message.contains("no deadline column") })
        let mapped = LedgerLoader(columns: [.deadline: ["计划完成时间"]], feedbackDate: feedback).load(url)
        #expect(mapped.diagnostics.errorCount == 0)
        #expect(mapped.tasks.first?.deadline == .by(date("2026-06-30")))
        #expect(mapped.tasks.first?.id.rawValue.hasPrefix("P1-") == true)
        #expect(mapped.diagnostics.contains { $0.message.contains("no 任务编号 column") })
    }

    @Test func peopleAreResolvedAndGapsReportedOncePerPerson() {
        let (directory, peopleDiagnostics) = PeopleDirectoryReader.read(fixture("people.csv"))
        #expect(directory.people.count == 8)
        #expect(peopleDiagnostics.map(\.message) == ["孙丽 has no email address; their mail goes to the office"])
        let snapshot = loader.load([fixture("sample.xlsx")], people: directory)
        #expect(snapshot.tasks[0].officer == Contact(name: "张伟", email: "zhang.wei@example.org"))
        #expect(snapshot.tasks[0].leader == Contact(name: "李强", email: "li.qiang@example.org"))
        let gaps = snapshot.diagnostics.filter { $0.message.contains("孙丽") }
        #expect(gaps.count == 1)
        #expect(gaps.first?.message.contains("2 task(s)") == true)
        #expect(gaps.first?.location.row == 10)
    }

    @Test func ledgerEmailWinsAndMissingLeaderComesFromDirectory() throws {
        let csv = "序号,整改措施,责任部门,责任人,责任人邮箱,整改时限\n1,任务,财务处,陈静,chen@ledger.org,2026-06-30\n"
        let url = try temporaryFile("email.csv", Data(csv.utf8))
        let (directory, _) = PeopleDirectoryReader.read(fixture("people.csv"))
        let task = try #require(loader.load([url], people: directory).tasks.first)
        #expect(task.officer?.email == "chen@ledger.org")
        #expect(task.leader == Contact(name: "赵敏", email: "zhao.min@example.org"))
    }

    @Test func peopleDirectoryInTOML() throws {
        let toml = """
            [[person]]
            name = "张伟"
            email = "zhang.wei@example.org"

            [[person]]
            name = "王芳"
            email = "not an address"
            phone = "123"
            """
        let url = try temporaryFile("people.toml", Data(toml.utf8))
        let (directory, diagnostics) = PeopleDirectoryReader.read(url)
        #expect(directory.people.map(\.name) == ["张伟", "王芳"])
        #expect(directory.people[1].email == nil)
        #expect(diagnostics.contains { $0.message.contains("unknown key 'phone'") && $0.location.row == 5 })
        #expect(diagnostics.contains { $0.message.contains("not a valid email address") })
    }

    /// The 个人清单 column turns a person's weekly personal list off; a value
    /// that is neither yes nor no is an error at its cell, and the list stays on.
    @Test func personalListColumnTurnsTheListOff() throws {
        let csv = "姓名,部门,邮箱,个人清单\n张伟,办公室,zhang@example.org,否\n王芳,办公室,wang@example.org,\n刘洋,办公室,liu@example.org,也许\n陈静,财务处,chen@example.org,是\n"
        let (directory, diagnostics) = PeopleDirectoryReader.read(try temporaryFile("people.csv", Data(csv.utf8)))
        #expect(directory.people.map(\.personalList) == [false, true, true, true])
        let problem = try #require(diagnostics.first { $0.message.contains("个人清单") })
        #expect(problem.severity == .error && problem.location.row == 4 && problem.location.column == 4, "\(problem)")
        #expect(problem.message.contains("\"也许\"") && problem.message.contains("是 or 否"))

        let toml = "[[person]]\nname = \"张伟\"\npersonal_list = false\n\n[[person]]\nname = \"王芳\"\npersonal_list = \"no\"\n"
        let (fromTOML, tomlDiagnostics) = PeopleDirectoryReader.read(try temporaryFile("people.toml", Data(toml.utf8)))
        #expect(fromTOML.people.map(\.personalList) == [false, true])
        #expect(tomlDiagnostics.contains { $0.message.contains("'personal_list' must be true or false") })
    }
}
