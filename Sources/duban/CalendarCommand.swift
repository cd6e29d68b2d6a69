import ArgumentParser
import DubanCore
import DubanDaemon
import Foundation

/// `duban calendar [--year Y]`: the working-day calendar, to check a calendar file.
struct CalendarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar",
        abstract: "Print the working-day calendar for a year (holidays, 调休 make-up days).",
        discussion: "Exits 1 when the year has no calendar file (weekends only are known)."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "The year; default: the current year in the organisation's zone.")
    var year: Int?

    func run() throws {
        let environment = try loadEnvironment(global)
        for diagnostic in environment.diagnostics where diagnostic.location.file.hasSuffix(".toml") {
            printErr(diagnostic.description)
        }
        let calendar = environment.calendar
        let year = self.year ?? environment.clock.date(of: Date()).year
        print(Self.render(calendar, year: year))
        if !calendar.isKnown(year: year) {
            printErr("warning: no calendar file for \(year): only weekends are known; add \(environment.configuration.calendars.path)/\(year).toml")
            throw ExitStatus.dataErrors
        }
    }

    /// Month grids: `·` off at the weekend, `休` a holiday, `班` a worked weekend day (调休).
    static func render(_ calendar: WorkCalendar, year: Int) -> String {
        var out = "\(year)  (·\u{2009}weekend  休 holiday  班 make-up working day)\n"
        var workingDays = 0
        for month in 1...12 {
            out += String(format: "\n%04d-%02d  Mo  Tu  We  Th  Fr  Sa  Su\n", year, month)
            let first = LocalDate(year: year, month: month, day: 1)!
            var line = "        " + String(repeating: "    ", count: first.weekday - 1)
            for day in 1...LocalDate.daysIn(month: month, year: year) {
                let date = LocalDate(year: year, month: month, day: day)!
                let working = calendar.isWorkingDay(date)
                if working { workingDays += 1 }
                let mark: String
                if working { mark = date.isWeekend ? "班" : " " } else { mark = date.isWeekend ? "·" : "休" }
                line += String(format: "%3d", day) + mark
                if date.weekday == 7 { out += line + "\n"; line = "        " }
            }
            if line.trimmingCharacters(in: .whitespaces).isEmpty == false { out += line + "\n" }
        }
        if let known = calendar.years[year] {
            out += "\nHolidays (weekdays off):\n"
            for (date, name) in known.holidays.sorted(by: { $0.key < $1.key }) { out += "  \(date)  \(name)\n" }
            out += "Make-up working days (调休):\n"
            for (date, name) in known.workdays.sorted(by: { $0.key < $1.key }) { out += "  \(date)  \(name)\n" }
        }
        out += "\n\(workingDays) working days in \(year)\n"
        return out
    }
}
