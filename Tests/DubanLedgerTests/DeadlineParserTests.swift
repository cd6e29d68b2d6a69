import DubanCore
@testable import DubanLedger
import Testing

@Suite struct DeadlineParserTests {
    let parser = DeadlineParser(reference: feedback)

    @Test(arguments: [
        ("2026-06-30", Deadline.by(date("2026-06-30"))),
        ("2026年6月30日前", .by(date("2026-06-30"))),
        ("2026年6月30日之前", .by(date("2026-06-30"))),
        ("6月底前", .by(date("2026-06-30"))),
        ("2026年底前", .by(date("2026-12-31"))),
        ("于2026年9月底前完成", .by(date("2026-09-30"))),
        ("立行立改", .immediate(nil)),
        ("立行立改，2026年4月30日前", .immediate(date("2026-04-30"))),
        ("长期坚持", .ongoing),
        ("2026年底前，并长期坚持", .byThenOngoing(date("2026-12-31"))),
        ("2026年底前；长期坚持", .byThenOngoing(date("2026-12-31"))),
        ("", .missing),
    ])
    func forms(text: String, expected: Deadline) {
        let parsed = parser.parse(text)
        #expect(parsed.deadline == expected)
        #expect(parsed.problem == nil)
    }

    @Test(arguments: ["下月中旬", "2026年底前，下月中旬", "2026-06-30，2026-07-31", "2026-02-30"])
    func unreadableIsKeptVerbatimWithAReason(text: String) {
        let parsed = parser.parse(text)
        #expect(parsed.deadline == .unparsed(text))
        #expect(parsed.problem?.isEmpty == false)
    }

    @Test func excelCells() {
        #expect(parser.parse(Cell.date(date("2026-06-30"))).deadline == .by(date("2026-06-30")))
        let number = parser.parse(Cell.number(46203))
        #expect(number.deadline == .unparsed("46203"))
        #expect(number.problem?.contains("format the cell as a date") == true)
    }
}
