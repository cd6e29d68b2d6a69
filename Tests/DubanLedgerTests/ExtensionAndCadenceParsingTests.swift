import DubanCore
@testable import DubanLedger
import Foundation
import Testing

/// Issue 13, 延期 and 长期坚持 as the ledger writes them: the status words of a
/// request, the 延期至 / 延期批准人 / 延期原因 columns (and their aliases), and
/// cadences from a 执行频次 cell or the 整改措施 text — with the near misses
/// that must stay what they were.
@Suite struct ExtensionAndCadenceParsingTests {
    @Test(arguments: ["申请延期", "延期申请中", "已申请延期", "整改中，已申请延期至9月底", "提出延期申请", "申请延期中"])
    func extensionRequestWords(text: String) {
        #expect(StatusParser.parse(text) == .extensionRequested, "\(text)")
    }

    // Near misses: a refused or withdrawn request is no request; a bare 延期 says nothing of who approved what.
    @Test(arguments: [
        ("延期申请已驳回", StatusParser.Parsed.unknown), ("撤回延期申请", .unknown), ("未申请延期", .unknown),
        ("已延期", .unknown), ("延期", .unknown), ("不同意延期申请", .unknown),
        ("整改中", .known(.inProgress)),
    ])
    func extensionNearMisses(text: String, expected: StatusParser.Parsed) {
        #expect(StatusParser.parse(text) == expected, "\(text)")
    }

    @Test(arguments: [
        ("每周", StandingCadence.weekly), ("每周一次", .weekly), ("一周一次", .weekly), ("按周", .weekly),
        ("每月", .monthly), ("每月一次", .monthly), ("按月通报", .monthly), ("月度", .monthly), ("每个月抽查", .monthly),
        ("每季度", .quarterly), ("每季度一次", .quarterly), ("每季度抽查", .quarterly), ("季度", .quarterly), ("按季通报", .quarterly),
        ("每半年", .halfYearly), ("半年一次", .halfYearly), ("半年度", .halfYearly),  // 半年度 is not 年度
        ("每年", .yearly), ("每年一次", .yearly), ("一年一次", .yearly), ("年度", .yearly), ("每年度通报", .yearly),
        ("每月自查、每季度抽查", .monthly),  // several: the shortest, a period the officer owes
        ("　每季度 一次 ", .quarterly),     // full-width and spaces
    ])
    func cadenceCells(text: String, expected: StandingCadence) {
        #expect(CadenceParser.parse(cell: text) == .cadence(expected), "\(text)")
    }

    // Cadences Duban does not supervise are errors, never rounded to a neighbour.
    @Test(arguments: ["每天", "每日一次", "每两周一次", "每2个月", "不定期", "随时检查", "定期", "经常"])
    func cadenceCellNearMisses(text: String) {
        guard case .unreadable(let why) = CadenceParser.parse(cell: text) else {
            Issue.record("\(text) was read as a cadence")
            return
        }
        #expect(why.contains(text))
    }

    @Test(arguments: [
        ("开展专题研讨，每季度一次", StandingCadence?.some(.quarterly)),
        ("每月通报一次落实情况", .monthly),
        ("每半年开展一次回头看", .halfYearly),
        ("纪检组每年抽查一次", .yearly),
        ("每周例会通报", .weekly),
        // Dates are not cadences: 一季度 and 年底前 name a time, not a period to repeat.
        ("2026年一季度前完成制度修订", nil),
        ("年底前建立长效机制", nil),
        ("持续抓好落实", nil),
    ])
    func cadenceInMeasureText(text: String, expected: StandingCadence?) {
        #expect(CadenceParser.parse(text: text) == expected, "\(text)")
    }

    @Test func standingPeriodsFollowTheCalendar() {
        #expect(StandingCadence.quarterly.period(containing: date("2026-05-17")) == date("2026-04-01")...date("2026-06-30"))
        #expect(StandingCadence.halfYearly.period(containing: date("2026-07-01")) == date("2026-07-01")...date("2026-12-31"))
        #expect(StandingCadence.monthly.period(containing: date("2028-02-10")) == date("2028-02-01")...date("2028-02-29"))
        #expect(StandingCadence.weekly.period(containing: date("2026-10-01")) == date("2026-09-28")...date("2026-10-04"))
        #expect(StandingCadence.yearly.period(containing: date("2026-12-31")) == date("2026-01-01")...date("2026-12-31"))
    }

    func load(_ csv: String) throws -> LedgerSnapshot {
        LedgerLoader(feedbackDate: feedback).load(try temporaryFile("ledger.csv", Data(csv.utf8)))
    }

    @Test func extensionColumnsAndTheirAliases() throws {
        let snapshot = try load("""
            序号,任务编号,整改措施,责任人,整改时限,完成情况,延期至,延期批准人,延期原因
            1,A,任务一,张伟,2026-06-30,申请延期,2026-09-30,,需等待上级批复
            1,B,任务二,张伟,2026-06-30,整改中,2026-08-31,王书记,设备到货延迟
            1,C,任务三,张伟,2026-06-30,整改中,2026-08-31,,
            1,D,任务四,张伟,2026-06-30,申请延期,,,
            """)
        let tasks = Dictionary(uniqueKeysWithValues: snapshot.tasks.map { ($0.id.rawValue, $0) })
        // A: requested, the date asked for, pending.
        #expect(tasks["A"]?.status == .inProgress)
        #expect(tasks["A"]?.deadlineExtension == DeadlineExtension(requested: true, newDeadline: date("2026-09-30"), reason: "需等待上级批复"))
        #expect(tasks["A"]?.deadlineExtension?.isPending == true)
        // B: granted.
        #expect(tasks["B"]?.deadlineExtension?.isApproved == true)
        #expect(tasks["B"]?.deadlineExtension?.approver == "王书记")
        // C: a date without an approver moves nothing, and the cell says so.
        #expect(tasks["C"]?.deadlineExtension?.isApproved == false)
        #expect(snapshot.diagnostics.contains { $0.location.row == 4 && $0.message.contains("no 延期批准人") })
        // D: a request without a reason is told at its cell.
        #expect(snapshot.diagnostics.contains { $0.location.row == 5 && $0.location.column == 9 && $0.message.contains("延期原因 is empty") })
        // 申请延期 is no longer an unknown status.
        #expect(!snapshot.diagnostics.contains { $0.message.contains("not a known status") })

        let aliased = try load("""
            序号,任务编号,整改措施,责任人,整改时限,完成情况,延期时限,延期审批人,延期理由
            1,A,任务一,张伟,2026-06-30,整改中,2026-09-30,王书记,原因
            """)
        #expect(aliased.tasks.first?.deadlineExtension == DeadlineExtension(newDeadline: date("2026-09-30"), approver: "王书记", reason: "原因"))
    }

    @Test func cadenceColumnMeasureTextAndTheWarningNamingTheRow() throws {
        let snapshot = try load("""
            序号,任务编号,整改措施,责任人,整改时限,完成情况,执行频次,最近执行日期
            1,A,开展专题研讨,刘洋,长期坚持,长期坚持,每季度一次,2026-05-20
            1,B,每月通报一次,刘洋,长期坚持,,,
            1,C,持续抓好落实,刘洋,长期坚持,长期坚持,,
            1,D,建立长效机制,刘洋,长期坚持,长期坚持,每两周,
            1,E,制定计划,刘洋,2026-06-30,整改中,,
            """)
        let tasks = Dictionary(uniqueKeysWithValues: snapshot.tasks.map { ($0.id.rawValue, $0) })
        #expect(tasks["A"]?.cadence == .quarterly && tasks["A"]?.lastExecutedOn == date("2026-05-20"))
        #expect(tasks["B"]?.cadence == .monthly && tasks["B"]?.isStanding == true)
        #expect(tasks["C"]?.cadence == nil)
        #expect(tasks["E"]?.cadence == nil && tasks["E"]?.isStanding == false)
        let warnings = snapshot.diagnostics.filter { $0.severity == .warning }
        // C: no cadence anywhere — a warning naming the row, at the 执行频次 column.
        #expect(warnings.contains { $0.location.row == 4 && $0.location.column == 7 && $0.message.contains("row 4 is a standing measure") })
        // D: an unreadable cell, named with what it says.
        #expect(warnings.contains { $0.location.row == 5 && $0.message.contains("每两周") })
        // E is not standing: nothing to say.
        #expect(!snapshot.diagnostics.contains { $0.location.row == 6 })
    }

    /// `parse(text:)` looks for 每 in the raw bytes before normalising the
    /// text; on random texts it answers as normalising first always did.
    @Test func cadenceInTextAnswersAsNormalisingFirst() {
        func normalisingFirst(_ raw: String) -> StandingCadence? {
            let text = CadenceParser.normalise(raw)
            guard text.contains("每") else { return nil }
            return CadenceParser.textWords.first { _, words in words.contains { text.contains($0) } }?.0
        }
        let pieces = ["每", "每周", "每月", "每季度", "每个季度", "每半年", "每年", "每一年", "季度", "按月", "抽查", "一次", "整改", "措施",
                      " ", "\u{3000}", "\n", "\t", "ｍ", "！", "—", "…", "e\u{301}", "每\u{301}", "\u{6BCE}", "\u{6BD0}", "a", "2026年"]
        var random = SplitMix(seed: 17)
        for _ in 0..<3000 {
            let count = Int(random.next() % 8)
            let text = (0..<count).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
            #expect(CadenceParser.parse(text: text) == normalisingFirst(text), "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }
}
