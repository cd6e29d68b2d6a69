import DubanTesting
import Foundation
import Testing

/// Issue 13 as an ops team sees it: `check` counts requests and standing
/// measures and names the standing row without a cadence; `preview` and
/// `simulate` show the kinds `extension` and `standing`.
@Suite struct ExtensionCommandTests {
    func config() throws -> String {
        let folder = try temporaryFolder("cli-ext")
        let ledger = folder.appendingPathComponent("ledger.csv")
        try """
            序号,任务编号,整改措施,责任部门,责任人,责任人邮箱,分管领导,分管领导邮箱,整改时限,完成情况,延期至,延期批准人,延期原因,执行频次,最近执行日期
            1,A,制定学习计划,办公室,张伟,zhang.wei@example.org,李强,li.qiang@example.org,2026-06-30,申请延期,2026-09-30,,设备未到货,,
            1,B,开展专题研讨,宣传部,刘洋,liu.yang@example.org,李强,li.qiang@example.org,长期坚持,长期坚持,,,,每季度一次,2026-03-20
            1,C,持续抓好落实,宣传部,刘洋,liu.yang@example.org,李强,li.qiang@example.org,长期坚持,长期坚持,,,,,

            """.write(to: ledger, atomically: true, encoding: .utf8)
        return try CheckCommandTests.smallConfig(in: folder, ledger: ledger.path)
    }

    @Test func checkCountsRequestsAndNamesTheStandingRowWithoutACadence() throws {
        let result = try DubanProcess.run(["check", "--config", try config()])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("extensions (延期): 1 requested and awaiting a decision, 0 approved"))
        #expect(result.stdout.contains("standing measures (长期坚持): 2, 1 with a readable cadence"))
        #expect(result.stdout.contains("ledger.csv:4:14: warning: row 4 is a standing measure (长期坚持) without a readable cadence"))
        #expect(!result.stdout.contains("not a known status"))
    }

    @Test func previewAndSimulateShowTheNewKinds() throws {
        let config = try config()
        let preview = try DubanProcess.run(["preview", "--config", config, "--at", "2026-06-24T09:00", "--format", "json"])
        #expect(preview.status == 0, "\(preview.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(preview.stdout.utf8)) as? [String: Any])
        let messages = try #require(json["messages"] as? [[String: Any]])
        let notice = try #require(messages.first { $0["kind"] as? String == "extension" })
        #expect(notice["to"] as? [String] == ["zgb@example.org"])
        #expect(notice["subject"] as? String == "【延期申请】1项整改任务申请延期，待审批")
        #expect((notice["items"] as? [[String: String]])?.map { $0["rule"] } == ["extension request"])
        let standing = try #require(messages.first { $0["kind"] as? String == "standing" })
        #expect(standing["to"] as? [String] == ["liu.yang@example.org"])
        #expect((standing["items"] as? [[String: String]])?.first?["about"] == "2026-06-30")

        let simulate = try DubanProcess.run(["simulate", "--config", config, "--from", "2026-06-24", "--to", "2026-07-16", "--format", "json"])
        let timeline = try #require(try JSONSerialization.jsonObject(with: Data(simulate.stdout.utf8)) as? [String: Any])
        let lines = try #require(timeline["messages"] as? [[String: Any]]).compactMap { message -> String? in
            guard let kind = message["kind"] as? String, kind != "digest", kind != "personal" else { return nil }
            return "\((message["slot"] as? String ?? "").prefix(10)) \(kind)\(message["level"].map { "\($0)" } ?? "")"
        }
        // The request is first read on 06-24 (simulate's fresh database): level 2 (07-07) waits for the
        // 10th working day after it, 07-08; the office hears on 06-24 and every 5 working days.
        #expect(lines == [
            "2026-06-24 reminder", "2026-06-24 extension", "2026-06-24 standing1",
            "2026-07-01 escalation1", "2026-07-01 extension", "2026-07-01 standing2",
            "2026-07-08 escalation2", "2026-07-08 extension",
            "2026-07-14 escalation2", "2026-07-15 extension",
        ])
    }
}
