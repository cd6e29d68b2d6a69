import DubanConfig
import DubanCore
import DubanDaemon
import DubanMail
import DubanStore
import DubanTesting
import Foundation
import Testing

@Suite struct DigestStageTests {
    @Test func theDigestMailIsEscapedWellFormedAndItsPartsAgree() async throws {
        let (environment, path) = try exampleEnvironment()
        let database = try DubanDatabase.open(at: path)
        var snapshot = environment.loadLedger()
        snapshot.tasks[0].measure = "<script>alert('x')</script> & <b>粗体</b> {{org}}"
        snapshot.tasks[0].department = "党委办公室\"><img src=x>"
        let now = environment.clock.parse("2026-07-06T09:00")!
        let produced = try await DigestStage(environment: environment).produce(week: ISOWeek("2026-W28")!, snapshot: snapshot, database: database, now: now, send: true)
        let archived = try DigestStage(environment: environment).archive(produced.digest)
        #expect(archived.map(\.lastPathComponent) == ["2026-W28.html", "2026-W28.txt", "2026-W28.json"])

        let mail = try #require(produced.mails.first)
        let parsed = try parseWithPython(mail.mime)
        #expect(parsed.defects.isEmpty)
        #expect(parsed.subject == "【整改周报】2026年巡察反馈问题整改 2026-W28：完成率50.0%，逾期1项")
        let html = try #require(parsed.html)
        #expect(!html.contains("<script>") && !html.contains("<img"))
        #expect(html.contains("&lt;script&gt;"))
        let htmlFile = try temporaryFolder("digest").appendingPathComponent("d.html")
        try html.write(to: htmlFile, atomically: true, encoding: .utf8)
        #expect(try runProgram("/usr/bin/python3", [repository.appendingPathComponent("Tests/Support/check_html.py").path, htmlFile.path]) == "\n")

        // The text part carries the same numbers as the HTML.
        let text = try #require(parsed.text)
        for figure in ["整改任务7项", "整改完成率50.0%", "逾期1项", "红灯（逾期）1项", "蓝灯（已完成）3项"] { #expect(text.contains(figure), "\(figure)") }
        for figure in ["<b>7</b> 项", "50.0%", ">1</div><div>红灯·逾期", ">3</div><div>蓝灯·已完成"] { #expect(html.contains(figure), "\(figure)") }
        #expect(text.contains("<script>alert('x')</script>"))  // text is not HTML: kept as written

        // The CSV opens in Excel: BOM, one row per task, formulas defused.
        let csv = try #require(parsed.attachments.first)
        #expect(csv.filename == "tasks-2026-W28.csv" && csv.type == "text/csv")
        let bytes = DigestCSV.bytes(produced.digest, english: false)
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let rows = String(decoding: bytes.dropFirst(3), as: UTF8.self).split(separator: "\r\n")
        #expect(rows.count == 1 + snapshot.tasks.count)
        #expect(DigestCSV.quote("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")

        // The archive is never overwritten silently.
        let again = try DigestStage(environment: environment).archive(produced.digest)
        #expect(again.map(\.lastPathComponent) == ["2026-W28-2.html", "2026-W28-2.txt", "2026-W28-2.json"])
        let json = try JSONDecoder().decode(Digest.self, from: Data(contentsOf: archived[2]))
        #expect(json.counts == produced.digest.counts)
    }

    @Test func departmentDigestsGoToEachHead() async throws {
        var configuration = try Configuration.load(from: repository.appendingPathComponent("config/duban.toml"))
        configuration.state.path = try temporaryFolder("digest-dept").appendingPathComponent("duban.sqlite")
        configuration.digest.departments = ["财务处": Contact(name: "财务处长", email: "cw@example.org")]
        let environment = try Environment.load(configuration)
        let database = try DubanDatabase.open(at: configuration.state.path)
        let produced = try await DigestStage(environment: environment).produce(
            week: ISOWeek("2026-W28")!, snapshot: environment.loadLedger(), database: database,
            now: environment.clock.parse("2026-07-06T09:00")!, send: true)
        #expect(produced.mails.map(\.recipients) == [["principal@example.org", "zgb@example.org"], ["cw@example.org"]])
        let department = try parseWithPython(produced.mails[1].mime)
        #expect(department.subject.hasSuffix("（财务处）"))
        #expect(department.text?.contains("整改任务2项") == true)
    }

    /// Issue 10 item 6: `digests` is a regular file (or the disk is full).
    /// The archive used to be written first and abort the pass: nothing was
    /// queued, every 60 s. Now everything is queued, then the archive fails
    /// alone, named in the plan's warnings (STATUS, log), leaving no file.
    @Test func aBlockedArchiveDoesNotHoldBackNotifications() async throws {
        let (environment, path) = try exampleEnvironment()
        let digests = path.deletingLastPathComponent().appendingPathComponent("digests")
        try Data("not a folder".utf8).write(to: digests)
        let database = try DubanDatabase.open(at: path)
        let now = environment.clock.parse("2026-07-07T09:00")!
        let plan = try await PlanStage(environment: environment).run(environment.loadLedger(), database: database, now: now)
        #expect(plan.messages.count == 4 && plan.messages.contains { $0.kind == .digest })
        #expect(try await database.outboxCounts().pending == 4)
        let warning = try #require(plan.warnings.first { $0.hasPrefix(DigestStage.archiveWarningPrefix) })
        #expect(warning.contains(digests.path) && warning.contains("2026-W28"))
        #expect(try String(contentsOf: digests, encoding: .utf8) == "not a folder")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: path.deletingLastPathComponent().path)
        #expect(leftovers.allSatisfy { !$0.hasSuffix(".tmp") })
    }

    /// A set whose name is partly taken (here by a folder) is written whole
    /// under the next name; no temporary file and no empty file remain.
    @Test func anArchiveIsWrittenWholeUnderAFreeName() async throws {
        let (environment, path) = try exampleEnvironment()
        let database = try DubanDatabase.inMemory()
        let produced = try await DigestStage(environment: environment).produce(
            week: ISOWeek("2026-W28")!, snapshot: environment.loadLedger(), database: database,
            now: environment.clock.parse("2026-07-06T09:00")!, send: false)
        let folder = path.deletingLastPathComponent().appendingPathComponent("archive")
        let stage = DigestStage(environment: environment)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("2026-W28.json/x"), withIntermediateDirectories: true)
        let placed = try? stage.archive(produced.digest, folder: folder)
        // The .json name is taken, so the set is written as -2 instead: whole.
        #expect(placed?.map(\.lastPathComponent) == ["2026-W28-2.html", "2026-W28-2.txt", "2026-W28-2.json"])
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names == ["2026-W28-2.html", "2026-W28-2.json", "2026-W28-2.txt", "2026-W28.json"])
        for name in names where name.hasPrefix("2026-W28-2") {
            #expect(try Data(contentsOf: folder.appendingPathComponent(name)).count > 0)
        }
    }
}
