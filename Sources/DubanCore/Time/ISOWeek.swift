/// An ISO 8601 week (`2026-W27`): weeks start on Monday, and week 1 is the
/// week with the year's first Thursday. The digest's identity.
public struct ISOWeek: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public var year: Int
    public var week: Int

    public init(year: Int, week: Int) {
        self.year = year
        self.week = week
    }

    public init(containing date: LocalDate) {
        // The Thursday of this week decides the year.
        let thursday = date.adding(days: 4 - date.weekday)
        let jan1 = LocalDate(year: thursday.year, month: 1, day: 1)!
        year = thursday.year
        week = jan1.days(until: thursday) / 7 + 1
    }

    /// Parses `2026-W27`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 2, parts[1].hasPrefix("W"), let y = Int(parts[0]), let w = Int(parts[1].dropFirst()),
              (1...53).contains(w) else { return nil }
        self.init(year: y, week: w)
        guard ISOWeek(containing: monday) == self else { return nil }
    }

    /// The Monday that starts the week.
    public var monday: LocalDate {
        let jan4 = LocalDate(year: year, month: 1, day: 4)!
        return jan4.adding(days: 1 - jan4.weekday + (week - 1) * 7)
    }

    public var previous: ISOWeek { ISOWeek(containing: monday.adding(days: -7)) }

    public var description: String { "\(year)-W" + (week < 10 ? "0\(week)" : "\(week)") }

    public static func < (a: ISOWeek, b: ISOWeek) -> Bool { (a.year, a.week) < (b.year, b.week) }
}
