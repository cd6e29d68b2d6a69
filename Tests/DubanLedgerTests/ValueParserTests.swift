import DubanCore
@testable import DubanLedger
import Testing

@Suite struct DateTextTests {
    let parser = DateText(reference: feedback)

    @Test(arguments: [
        // Full dates in the separators offices use.
        ("2026-06-30", "2026-06-30"),
        ("2026/6/30", "2026-06-30"),
        ("2026.6.30", "2026-06-30"),
        ("2026年6月30日", "2026-06-30"),
        ("２０２６年６月３０日", "2026-06-30"),       // full-width digits from a Chinese IME
        ("20260630", "2026-06-30"),
        // Month and year ends.
        ("2026年6月底", "2026-06-30"),
        ("2026年2月", "2026-02-28"),
        ("2026年底", "2026-12-31"),
        ("2026年年底", "2026-12-31"),
        ("2026年上半年", "2026-06-30"),
        ("2026年三季度", "2026-09-30"),
        // No year: the feedback year (2026-03-15) …
        ("6月底", "2026-06-30"),
        ("9月15日", "2026-09-15"),
        ("年底", "2026-12-31"),
        // … or the next year when it would fall before the feedback.
        ("2月底", "2027-02-28"),
    ])
    func understood(text: String, expected: String) {
        #expect(parser.parse(text) == .date(date(expected)))
    }

    @Test(arguments: ["2026-02-30", "2026年13月1日", "1900-01-01"])
    func impossibleDatesAreInvalidNotGuessed(text: String) {
        guard case .invalid = parser.parse(text) else { Issue.record("\(text) should be invalid"); return }
    }

    @Test(arguments: ["下月中旬", "尽快", "2026", "6-30", "abc"])
    func notDates(text: String) {
        #expect(parser.parse(text) == .notADate)
    }

    @Test func yearlessWithoutFeedbackDateSaysWhy() {
        guard case .invalid(let why) = DateText(reference: nil).parse("6月底") else { Issue.record("expected invalid"); return }
        #expect(why.contains("feedback_date"))
    }
}

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

@Suite struct CheckpointParserTests {
    let parser = CheckpointParser(reference: feedback)

    @Test func severalPairsInOneCell() {
        let parsed = parser.parse("2026-12-15 方案完成；2027-01-15 试运行评估")
        #expect(parsed.problems.isEmpty)
        #expect(parsed.checkpoints == [
            Checkpoint(date: date("2026-12-15"), label: "方案完成"),
            Checkpoint(date: date("2027-01-15"), label: "试运行评估"),
        ])
    }

    @Test func labelFirstAndLineBreaksAndColons() {
        let parsed = parser.parse("方案完成：2026年10月15日\n2026年11月底前 完成复核")
        #expect(parsed.checkpoints == [
            Checkpoint(date: date("2026-10-15"), label: "方案完成"),
            Checkpoint(date: date("2026-11-30"), label: "完成复核"),
        ])
    }

    @Test func badItemIsReportedAndGoodOnesKept() {
        let parsed = parser.parse("2026-07-15 方案；某天 试点")
        #expect(parsed.checkpoints == [Checkpoint(date: date("2026-07-15"), label: "方案")])
        #expect(parsed.problems.count == 1)
        #expect(parsed.problems[0].contains("某天 试点"))
    }
}

@Suite struct StatusParserTests {
    @Test(arguments: [
        ("未整改", TaskStatus.notStarted), ("未完成", .notStarted),
        ("正在整改", .inProgress), ("整改中", .inProgress), ("部分整改", .inProgress), ("基本完成", .inProgress),
        ("已完成", .completed), ("已整改", .completed), ("整改完成", .completed), ("待验收", .completed),
        ("已完成，待验收", .completed),
        ("已验收", .accepted), ("验收通过", .accepted),
        ("已销号", .closed), ("办结销号", .closed),
        ("长期坚持", .ongoing), ("持续整改", .ongoing),
        ("尚未完成整改", .inProgress),  // a negation must not read as 完成
        (" 已完成。", .completed),
    ])
    func vocabulary(text: String, expected: TaskStatus) {
        #expect(StatusParser.parse(text) == .known(expected))
    }

    @Test func unknownAndEmpty() {
        #expect(StatusParser.parse("研究中") == .unknown)
        #expect(StatusParser.parse("  ") == .empty)
    }

    @Test func emailAddresses() {
        #expect(EmailAddress.isValid("zhang.wei@example.org"))
        #expect(!EmailAddress.isValid("zhang wei@example.org"))
        #expect(!EmailAddress.isValid("a@b.org\r\nBcc: x@y.org"))
        #expect(!EmailAddress.isValid("<a@b.org>"))
        #expect(!EmailAddress.isValid("a@localhost"))
    }
}
