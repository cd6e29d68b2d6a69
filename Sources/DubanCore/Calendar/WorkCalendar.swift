/// Which days are working days: Monday to Friday, minus public holidays, plus
/// the weekend days worked in exchange (调休), as the State Council announces
/// them each year.
///
/// A year without an announced calendar falls back to plain weekends; callers
/// ask `isKnown(year:)` and report it loudly, since the next year's notice
/// usually appears only in November.
public struct WorkCalendar: Sendable {
    public struct Year: Sendable, Equatable {
        public var year: Int
        /// Weekdays that are off (holidays), with the holiday's name.
        public var holidays: [LocalDate: String]
        /// Weekend days that are worked (调休), with the holiday they make up for.
        public var workdays: [LocalDate: String]

        public init(year: Int, holidays: [LocalDate: String] = [:], workdays: [LocalDate: String] = [:]) {
            self.year = year
            self.holidays = holidays
            self.workdays = workdays
        }
    }

    public private(set) var years: [Int: Year]

    public init(years: [Year] = []) {
        self.years = Dictionary(years.map { ($0.year, $0) }, uniquingKeysWith: { _, last in last })
    }

    public func isKnown(year: Int) -> Bool { years[year] != nil }

    public func isWorkingDay(_ date: LocalDate) -> Bool {
        if let year = years[date.year] {
            if year.workdays[date] != nil { return true }
            if year.holidays[date] != nil { return false }
        }
        return !date.isWeekend
    }

    /// Why a day is off or on, for `duban calendar` and messages.
    public func describe(_ date: LocalDate) -> String? {
        guard let year = years[date.year] else { return nil }
        if let name = year.workdays[date] { return "\(name)调休上班" }
        if let name = year.holidays[date] { return name }
        return nil
    }

    /// The day itself if it is a working day, else the next one.
    public func onOrAfter(_ date: LocalDate) -> LocalDate {
        var day = date
        // A bound keeps a corrupt calendar (every day off) from looping forever.
        for _ in 0..<400 where !isWorkingDay(day) { day = day.adding(days: 1) }
        return day
    }

    /// The day itself if it is a working day, else the one before.
    public func onOrBefore(_ date: LocalDate) -> LocalDate {
        var day = date
        for _ in 0..<400 where !isWorkingDay(day) { day = day.adding(days: -1) }
        return day
    }

    /// The `n`-th working day after `date` (n ≥ 1), not counting `date` itself;
    /// negative `n` counts backwards.
    public func workingDay(_ n: Int, after date: LocalDate) -> LocalDate {
        var day = date
        var remaining = abs(n)
        let step = n >= 0 ? 1 : -1
        while remaining > 0 {
            day = day.adding(days: step)
            if isWorkingDay(day) { remaining -= 1 }
        }
        return day
    }

    /// Years in `range` that have no calendar file.
    public func missingYears(_ range: ClosedRange<Int>) -> [Int] {
        range.filter { years[$0] == nil }
    }
}
