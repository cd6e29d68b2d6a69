import DubanConfig
@testable import DubanConsole
import DubanCore
import DubanStore
import DubanTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Testing

@Suite struct ConsoleHTTPTests {
    /// The example ledger through three real passes: a reminder, an acceptance
    /// notice and a digest on 06-23; level 1 and a look-back on 07-01; level 2 on 07-07.
    static func examplePasses() async throws -> ConsoleFixture {
        var fixture = try ConsoleFixture()
        for time in ["2026-06-23T09:00", "2026-07-01T09:00", "2026-07-07T09:00"] { try await fixture.pass(at: time) }
        return fixture
    }

    @Test func everyPageAnswersOnTheRealListener() async throws {
        let fixture = try await Self.examplePasses()
        let tasks = fixture.environment.loadLedger().tasks
        let outbox = try await fixture.database.outbox()
        try await fixture.service().application.test(.live) { client in
            for path in ["/", "/tasks", "/task?id=T1-1", "/mail", "/ledger", "/healthz", "/metrics", "/tasks?status=in_progress&sort=due&order=desc"] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .ok, "\(path): \(response.text.prefix(300))")
            }
            #expect(try await client.execute(uri: "/task?id=NO-SUCH", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/nothing-here", method: .get).status == .notFound)
            // No page writes: other methods are not routed.
            #expect(try await client.execute(uri: "/", method: .post).status != .ok)

            let list = try await client.execute(uri: "/tasks", method: .get).text
            for task in tasks { #expect(list.contains("href=\"/task?id=\(Query.encode(task.id.rawValue))\""), "\(task.id)") }
            let mail = try await client.execute(uri: "/mail", method: .get).text
            for entry in outbox { #expect(mail.contains(Markup.escape(entry.subject)), "\(entry.subject)") }
            // T1-1: its reminder, level 1 and level 2, each with subject and delivery state.
            let page = try await client.execute(uri: "/task?id=T1-1", method: .get).text
            let notices = try outbox.filter { entry in try entry.message().items.contains { $0.task.id.rawValue == "T1-1" } }
            #expect(notices.count == 3)
            for entry in notices { #expect(page.contains(Markup.escape(entry.subject))) }
            #expect(page.contains("逾期督办 一级") && page.contains("逾期督办 二级") && page.contains("已发送"))
            // What comes next: the first repeat of level 2, five working days after 07-07.
            #expect(page.contains("2026-07-14 09:00"), "\(page)")
        }
    }

    @Test func filtersAndSortingChooseTheRows() async throws {
        let fixture = try await Self.examplePasses()
        let tasks = fixture.environment.loadLedger().tasks
        let department = try #require(tasks.first?.department)
        try await fixture.service().application.test(.live) { client in
            let page = try await client.execute(uri: "/tasks?department=\(Query.encode(department))", method: .get).text
            for task in tasks {
                #expect(page.contains("/task?id=\(Query.encode(task.id.rawValue))\"") == (task.department == department), "\(task.id)")
            }
            let red = try await client.execute(uri: "/tasks?light=red", method: .get).text
            #expect(red.contains("/task?id=T1-1\""))
            #expect(!red.contains("/task?id=T2-1\""))
        }
    }

    @Test func aRemoteConsoleAsksForAPasswordOnEveryPage() async throws {
        let folder = try temporaryFolder("users")
        let users = folder.appendingPathComponent("users")
        try ConsoleUsers.setting(user: "zgb", password: "correct horse", in: "# console users\n", cost: 4)
            .write(to: users, atomically: true, encoding: .utf8)
        var fixture = try ConsoleFixture(http: .init(listen: nil, allowRemote: true, usersFile: users))
        try await fixture.pass(at: "2026-06-23T09:00")
        @Sendable func basic(_ user: String, _ password: String) -> HTTPFields {
            [.authorization: "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()]
        }
        try await fixture.service().application.test(.live) { client in
            for path in ["/", "/tasks", "/task?id=T1-1", "/mail", "/ledger", "/healthz", "/metrics"] {
                let anonymous = try await client.execute(uri: path, method: .get)
                #expect(anonymous.status == .unauthorized, "\(path)")
                #expect(anonymous.headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
                #expect(try await client.execute(uri: path, method: .get, headers: basic("zgb", "wrong")).status == .unauthorized)
                #expect(try await client.execute(uri: path, method: .get, headers: basic("nobody", "correct horse")).status == .unauthorized)
                #expect(try await client.execute(uri: path, method: .get, headers: basic("zgb", "correct horse")).status == .ok, "\(path)")
            }
        }
    }

    @Test func aMalformedUsersFileStopsTheConsoleWithItsLine() throws {
        let folder = try temporaryFolder("users")
        let users = folder.appendingPathComponent("users")
        try "# ok\nzgb:$2b$04$abcdefghijklmnopqrstuuYh2cRk1Ge6tqZ5X6i2qjT9p8pyQ6Xbq\nbroken line\n".write(to: users, atomically: true, encoding: .utf8)
        let fixture = try ConsoleFixture(http: .init(listen: nil, allowRemote: true, usersFile: users))
        #expect { try fixture.service() } throws: { error in "\(error)".contains("\(users.path):3:") }
    }

    @Test func hostileCellsAreEscapedOnEveryPage() async throws {
        let folder = try temporaryFolder("hostile")
        let ledger = try writeLedger([
            ["序号", "问题描述", "任务编号", "整改措施", "责任部门", "责任人", "分管领导", "整改时限", "完成情况", "备注"],
            ["1", "<script>alert('problem')</script>", "H<1>&\"x\"", "<img src=x onerror=alert(1)>\r\nSet-Cookie: stolen=1",
             "<b>财务处</b>", "\"><script>alert('officer')</script>", "李<i>领导</i>", "2026-06-30", "整改中", "\r\n\r\n<h1>injected</h1>"],
            ["1", "", "H2", "措施</td></tr></table><script>alert(2)</script>", "财务处", "张伟", "", "<script>deadline()</script>", "整改中", ""],
        ], to: folder)
        var fixture = try ConsoleFixture(ledger: ledger)
        try await fixture.pass(at: "2026-07-07T09:00")
        let hostileID = "H<1>&\"x\""
        try await fixture.service().application.test(.live) { client in
            let paths = ["/", "/tasks", "/task?id=\(Query.encode(hostileID))", "/task?id=H2", "/mail", "/ledger",
                         "/tasks?q=\(Query.encode("<script>alert(3)</script>"))", "/task?id=\(Query.encode("<script>x</script>"))"]
            var seen = ""
            for path in paths {
                let response = try await client.execute(uri: path, method: .get)
                #expect([.ok, .notFound].contains(response.status), "\(path)")
                let page = response.text
                seen += page
                for raw in ["<script", "<img", "<b>财务处", "<i>领导", "<h1>injected", "</td></tr></table><script"] {
                    #expect(!page.contains(raw), "\(path) contains \(raw)")
                }
                #expect(response.headers[values: HTTPField.Name("Set-Cookie")!].isEmpty)
                #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            }
            // The text is there, as text.
            for escaped in ["&lt;script&gt;alert(&#39;problem&#39;)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;",
                            "&lt;b&gt;财务处&lt;/b&gt;", "H&lt;1&gt;&amp;&quot;x&quot;", "&lt;script&gt;alert(3)&lt;/script&gt;",
                            "&lt;script&gt;deadline()&lt;/script&gt;"] {
                #expect(seen.contains(escaped), "\(escaped)")
            }
        }
    }

    @Test func healthzFailsWhenTheLedgerBreaksOrThePassIsOld() async throws {
        let folder = try temporaryFolder("health")
        let header = ["序号", "问题描述", "任务编号", "整改措施", "责任部门", "责任人", "整改时限", "完成情况"]
        let ledger = try writeLedger([header, ["1", "问题", "A-1", "措施", "财务处", "张伟", "2026-06-30", "整改中"]], to: folder)
        var fixture = try ConsoleFixture(ledger: ledger)
        try await fixture.service().application.test(.live) { client in
            let none = try await client.execute(uri: "/healthz", method: .get)
            #expect(none.status == .serviceUnavailable && none.text.contains("no pass"))
        }
        try await fixture.pass(at: "2026-06-23T09:00")
        let service = try fixture.service()
        let clock = fixture.clock
        try await service.application.test(.live) { client in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            // Ten minutes is twice the longest sleep (300 s): one more second and it fails.
            clock.now = clock.now.addingTimeInterval(600)
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            clock.now = clock.now.addingTimeInterval(1)
            let old = try await client.execute(uri: "/healthz", method: .get)
            #expect(old.status == .serviceUnavailable)
            #expect(old.text.contains("more than twice the longest sleep (600 s)"), "\(old.text)")
        }
        // The ledger is cut in the middle of a quoted cell while being saved.
        try "序号,问题描述,任务编号,整改措施\r\n1,\"问题".write(to: ledger, atomically: true, encoding: .utf8)
        try await fixture.pass(at: "2026-06-23T10:00")
        try await fixture.service().application.test(.live) { client in
            let broken = try await client.execute(uri: "/healthz", method: .get)
            #expect(broken.status == .serviceUnavailable)
            #expect(broken.text.contains("the ledger cannot be read"), "\(broken.text)")
            // The last good copy is still what the pages show, and the problem is on 台账问题.
            #expect(try await client.execute(uri: "/tasks", method: .get).text.contains("/task?id=A-1\""))
            let problems = try await client.execute(uri: "/ledger", method: .get).text
            #expect(problems.contains("台账无法读取") && problems.contains(Markup.escape(ledger.path)))
        }
    }

    @Test func theServiceStopsWithItsGroupBeforeTheFirstPass() async throws {
        let fixture = try ConsoleFixture()
        let group = ServiceGroup(services: [try fixture.service()], gracefulShutdownSignals: [], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

extension ConsoleHTTPTests {
    /// The task page's "next" is what the next pass sends, also for a task
    /// whose 延期 request pauses its ladder: the console plans with the
    /// facts the daemon recorded (the day the request was first read), not
    /// as if the request were new on the day it plans for.
    @Test func theNextStepOfAPendingExtensionIsWhatTheNextPassSends() async throws {
        var fixture = try ConsoleFixture()
        @Sendable func requested(_ snapshot: inout LedgerSnapshot) {
            guard let index = snapshot.tasks.firstIndex(where: { $0.id.rawValue == "T1-1" }) else { return }
            snapshot.tasks[index].statusText = "申请延期"
            snapshot.tasks[index].deadlineExtension = DeadlineExtension(requested: true, newDeadline: LocalDate("2026-09-30"), reason: "设备未到货")
        }
        try await fixture.pass(at: "2026-07-01T09:00", edit: requested)
        // In-process (`.router`): this test is about the facts the page plans with, and the live
        // client's fixed 20 s read timeout failed it once in a full suite beside a cold build.
        let page = try await fixture.service().application.test(.router) { client in
            try await client.execute(uri: "/task?id=T1-1", method: .get).text
        }
        let next = try #require(page.components(separatedBy: "<h2>下一步</h2>").last?.components(separatedBy: "<h2>").first)
        // Every 5 working days the office hears of the request again; level 2 waits for the pause to end on 07-15.
        #expect(next.contains("2026-07-08 09:00"), "\(next)")
        let before = Set(try await fixture.database.outbox().map(\.messageID))
        try await fixture.pass(at: "2026-07-08T09:00", edit: requested)
        let sent = try await fixture.database.outbox().filter { !before.contains($0.messageID) }
            .map { try $0.message() }.filter { ![.digest, .personal].contains($0.kind) }
        let rules = sent.flatMap { $0.items.filter { $0.task.id.rawValue == "T1-1" }.map { Words(locale: "zh").rule($0.identity) } }
        #expect(rules == ["延期申请提示 第1次重复"])
        let items = next.components(separatedBy: "<li>").dropFirst().map { $0.components(separatedBy: " → ").first ?? "" }
        #expect(items == rules, "\(next)")
    }

    /// Only ids of the ledger's tasks link to a task page: a personal list's
    /// identity (`personal:officer:…`) and the digest are plain text.
    @Test func onlyTheLedgersTasksAreLinked() async throws {
        let fixture = try await Self.examplePasses()
        let linkable = Set(fixture.environment.loadLedger().tasks.map { Markup.escape(Query.task($0.id.rawValue)) })
        let outbox = try await fixture.database.outbox()
        #expect(try outbox.contains { try $0.message().kind == .personal })
        let mail = try await fixture.service().application.test(.live) { client in
            try await client.execute(uri: "/mail", method: .get).text
        }
        let links = mail.components(separatedBy: "href=\"").dropFirst().map { $0.components(separatedBy: "\"").first ?? "" }
            .filter { $0.hasPrefix("/task?") }
        #expect(!links.isEmpty)
        for link in links { #expect(linkable.contains(link), "\(link)") }
    }
}
