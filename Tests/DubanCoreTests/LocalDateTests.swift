import DubanCore
import Foundation
import Testing

@Suite struct LocalDateTests {
    @Test(arguments: [
        // (date, day number, ISO weekday)
        ("1970-01-01", 0, 4),
        ("2000-02-29", 11_016, 2),
        ("2026-06-30", 20_634, 2),
        ("2026-10-10", 20_736, 6),   // a 调休 Saturday
        ("1899-12-31", -25_568, 7),
    ])
    func dayNumberAndWeekday(text: String, dayNumber: Int, weekday: Int) throws {
        let date = try #require(LocalDate(text))
        #expect(date.dayNumber == dayNumber)
        #expect(LocalDate(dayNumber: dayNumber) == date)
        #expect(date.weekday == weekday)
    }

    @Test func roundTripsEveryDayOfFourHundredYears() {
        // One full Gregorian cycle covers every leap-year rule.
        let start = LocalDate(year: 1900, month: 1, day: 1)!.dayNumber
        var previous: LocalDate?
        for n in start..<(start + 146_097) {
            let date = LocalDate(dayNumber: n)
            #expect(date.dayNumber == n)
            if let previous { #expect(previous < date) }
            previous = date
        }
    }

    @Test func rejectsImpossibleDates() {
        #expect(LocalDate(year: 2026, month: 2, day: 29) == nil)
        #expect(LocalDate(year: 2028, month: 2, day: 29) != nil)
        #expect(LocalDate(year: 1900, month: 2, day: 29) == nil)
        #expect(LocalDate(year: 2026, month: 13, day: 1) == nil)
        #expect(LocalDate("2026-6-30") == nil)
    }

    @Test func addingMonthsClampsToMonthEnd() {
        let aug31 = LocalDate(year: 2026, month: 8, day: 31)!
        #expect(aug31.adding(months: 6) == LocalDate(year: 2027, month: 2, day: 28))
        #expect(aug31.adding(months: 3) == LocalDate(year: 2026, month: 11, day: 30))
        #expect(aug31.adding(months: -8) == LocalDate(year: 2025, month: 12, day: 31))
    }

    @Test func codableAsISOString() throws {
        let date = LocalDate(year: 2026, month: 3, day: 5)!
        let json = try JSONEncoder().encode([date])
        #expect(String(decoding: json, as: UTF8.self) == #"["2026-03-05"]"#)
        #expect(try JSONDecoder().decode([LocalDate].self, from: json) == [date])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([LocalDate].self, from: Data(#"["2026-02-30"]"#.utf8)) }
    }
}
