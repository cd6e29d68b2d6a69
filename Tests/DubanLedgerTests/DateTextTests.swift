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
