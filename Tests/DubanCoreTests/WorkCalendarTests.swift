import DubanCore
import Foundation
import Testing

@Suite struct WorkCalendarTests {
    @Test(arguments: [
        // (day, working?) — comment says why
        ("2026-06-23", true),    // an ordinary Tuesday
        ("2026-06-27", false),   // an ordinary Saturday
        ("2026-02-17", false),   // Spring Festival holiday on a weekday
        ("2026-02-14", true),    // Saturday worked in exchange (调休)
        ("2026-10-10", true),    // Saturday worked for National Day
        ("2026-10-07", false),   // National Day holiday
        ("2027-01-01", true),    // 2027 is not known: weekdays only, so New Year looks like a working day
    ])
    func workingDays(text: String, working: Bool) {
        #expect(calendar2026.isWorkingDay(day(text)) == working)
    }

    @Test func arithmetic() {
        #expect(calendar2026.workingDay(1, after: day("2026-02-13")) == day("2026-02-14"))  // the 调休 Saturday
        #expect(calendar2026.workingDay(2, after: day("2026-02-13")) == day("2026-02-24"))  // across the festival
        #expect(calendar2026.workingDay(-1, after: day("2026-02-24")) == day("2026-02-14"))
        #expect(calendar2026.onOrBefore(day("2026-10-04")) == day("2026-09-30"))
        #expect(calendar2026.onOrAfter(day("2026-10-01")) == day("2026-10-08"))
        #expect(calendar2026.missingYears(2025...2027) == [2025, 2027])
    }
}
