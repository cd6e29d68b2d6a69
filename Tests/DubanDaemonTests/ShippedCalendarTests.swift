import DubanConfig
import DubanCore
@testable import DubanDaemon
import DubanStore
import DubanTesting
import Foundation
import Testing

@Suite struct ShippedCalendarTests {
    @Test func calendarFilesMatchTheStateCouncilAnnouncements() throws {
        let (calendar, diagnostics) = CalendarLoader.load(folder: repository.appendingPathComponent("config/calendars"))
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let expected: [Int: (off: [String], worked: [String])] = [
            2025: (["01-01", "01-28", "01-29", "01-30", "01-31", "02-03", "02-04", "04-04", "05-01", "05-02", "05-05", "06-02",
                    "10-01", "10-02", "10-03", "10-06", "10-07", "10-08"],
                   ["01-26", "02-08", "04-27", "09-28", "10-11"]),
            2026: (["01-01", "01-02", "02-16", "02-17", "02-18", "02-19", "02-20", "02-23", "04-06", "05-01", "05-04", "05-05",
                    "06-19", "09-25", "10-01", "10-02", "10-05", "10-06", "10-07"],
                   ["01-04", "02-14", "02-28", "05-09", "09-20", "10-10"]),
        ]
        for (year, days) in expected {
            let known = try #require(calendar.years[year])
            #expect(known.holidays.keys.map(\.description).sorted() == days.off.map { "\(year)-\($0)" })
            #expect(known.workdays.keys.map(\.description).sorted() == days.worked.map { "\(year)-\($0)" })
        }
        // 261 weekdays, minus 18 (2025) / 19 (2026) holidays, plus 5 / 6 worked weekend days.
        for year in [2025, 2026] {
            var count = 0
            var d = LocalDate(year: year, month: 1, day: 1)!
            while d.year == year { if calendar.isWorkingDay(d) { count += 1 }; d = d.adding(days: 1) }
            #expect(count == 248, "\(year)")
        }
    }

    @Test func aBrokenCalendarFileIsReportedWithItsLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("duban-cal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "year = 2027\n[holidays]\n\"元旦\" = [2027-01-01, \"soon\"]\n[workdays]\n\"春节\" = [2027-02-08]\n"
            .write(to: folder.appendingPathComponent("2027.toml"), atomically: true, encoding: .utf8)
        let (calendar, diagnostics) = CalendarLoader.load(folder: folder)
        #expect(calendar.isKnown(year: 2027))
        #expect(diagnostics.contains { $0.severity == .error && $0.location.row == 3 && $0.message.contains("expected dates") })
        #expect(diagnostics.contains { $0.severity == .warning && $0.message.contains("2027-02-08 (春节) is a weekday") })
    }
}
