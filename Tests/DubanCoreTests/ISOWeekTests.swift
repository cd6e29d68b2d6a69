import DubanCore
import Foundation
import Testing

@Suite struct ISOWeekTests {
    @Test(arguments: [
        ("2026-01-01", "2026-W01"),   // a Thursday: week 1 of its own year
        ("2024-12-30", "2025-W01"),   // a Monday that belongs to next year's week 1
        ("2027-01-01", "2026-W53"),   // a Friday in the last week of 2026
        ("2026-07-06", "2026-W28"),
    ])
    func weeks(date: String, week: String) {
        #expect(ISOWeek(containing: day(date)).description == week)
        #expect(ISOWeek(week)?.monday.weekday == 1)
        #expect(ISOWeek(containing: ISOWeek(week)!.monday).description == week)
    }

    @Test func parsing() {
        #expect(ISOWeek("2026-W28")?.monday == day("2026-07-06"))
        #expect(ISOWeek("2026-W54") == nil)
        #expect(ISOWeek("2025-W53") == nil)   // 2025 has 52 weeks
        #expect(ISOWeek("W28") == nil)
    }
}
