import DubanConfig
@testable import DubanConsole
import DubanCore
import DubanStore
import DubanTesting
import Foundation
import HummingbirdTesting
import Testing

/// Headless Chromium (Debian's `chromium`) loads every page from the real
/// listener; the assertions are on the DOM it built, i.e. what a person sees.
@Suite struct ConsoleBrowserTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs chromium to completion without blocking a thread of the cooperative pool.
    static func chromium(_ arguments: [String], profile: URL) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium!)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                             "--user-data-dir=\(profile.path)"] + arguments
        let output = try temporaryFolder("chromium-out").appendingPathComponent("out")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in continuation.resume() }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        return try String(contentsOf: output, encoding: .utf8)
    }

    @Test func everyPageShowsWhatAPersonNeeds() async throws {
        guard Self.chromium != nil else {
            Issue.record("chromium is not installed: apt-get install chromium (the browser test needs it; .ci/run installs it)")
            return
        }
        let fixture = try await ConsoleHTTPTests.examplePasses()
        let tasks = fixture.passes.last!.snapshot.tasks
        let outbox = try await fixture.database.outbox()
        let artefacts = try temporaryFolder("browser")
        try await fixture.service().application.test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let profile = artefacts.appendingPathComponent("profile")
            func dom(_ path: String) async throws -> String { try await Self.chromium(["--dump-dom", base + path], profile: profile) }

            let overview = try await dom("/")
            #expect(overview.contains("总览") && overview.contains("完成率"))
            #expect(overview.contains("<b>\(tasks.count)</b>"), "the task count figure")
            #expect(overview.contains("/task?id=T1-1"), "the overdue task links to its page")

            let list = try await dom("/tasks")
            for task in tasks { #expect(list.contains(">\(Markup.escape(task.id.rawValue))</a>"), "\(task.id)") }

            let page = try await dom("/task?id=T1-1")
            for entry in outbox where try entry.message().items.contains(where: { $0.task.id.rawValue == "T1-1" }) {
                #expect(page.contains(Markup.escape(entry.subject)), "\(entry.subject)")
            }
            #expect(page.contains("已发送") && page.contains("下一步"))

            let mail = try await dom("/mail")
            #expect(mail.contains("发送记录"))
            for entry in outbox { #expect(mail.contains(Markup.escape(entry.subject))) }

            let problems = try await dom("/ledger")
            #expect(problems.contains("台账问题"))

            // One picture of the overview as it renders on a phone, kept as the test's artefact.
            let screenshot = artefacts.appendingPathComponent("overview.png")
            _ = try await Self.chromium(["--screenshot=\(screenshot.path)", "--window-size=412,1400", base + "/"], profile: profile)
            let png = try Data(contentsOf: screenshot)
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 10_000)
            print("console screenshot: \(screenshot.path)")
        }
    }
}
