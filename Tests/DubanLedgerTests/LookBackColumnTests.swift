import DubanCore
@testable import DubanLedger
import Foundation
import Testing

/// Issue 12: the ledger records the 回头看 in 回头看日期 and 回头看结果 (or
/// their aliases); an unknown result is an error at its cell, never a silent skip.
@Suite struct LookBackColumnTests {
    @Test func dateAndResultAreReadAndAnUnknownResultIsNamedAtItsCell() throws {
        let csv = """
            序号,问题描述,任务编号,整改措施,整改时限,完成情况,销号日期,回头看时间,回头看成效
            1,问题,A,措施A,2026-03-31,已销号,2026-04-01,2026-07-10,有效，无反弹
            1,问题,B,措施B,2026-03-31,已销号,2026-04-01,2026-07-11,部分有效
            1,问题,C,措施C,2026-03-31,已销号,2026-04-01,2026-07-12,未巩固
            1,问题,D,措施D,2026-03-31,已销号,2026-04-01,,还行吧
            1,问题,E,措施E,2026-03-31,已销号,2026-04-01,,

            """
        let url = try temporaryFile("lookback.csv", Data(csv.utf8))
        let snapshot = LedgerLoader(feedbackDate: feedback).load(url)
        #expect(snapshot.tasks.map(\.lookBackResult) == [.effective, .partial, .rebound, nil, nil])
        #expect(snapshot.tasks.map(\.lookBackOn) == [date("2026-07-10"), date("2026-07-11"), date("2026-07-12"), nil, nil])
        let unknown = try #require(snapshot.diagnostics.first { $0.location == SourceLocation(file: url.path, row: 5, column: 9) })
        #expect(unknown.severity == .error && unknown.message.contains("还行吧") && unknown.message.contains("部分有效"))
        #expect(snapshot.diagnostics.errorCount == 1)
    }
}
