public import Foundation

/// Converts between instants and the organisation's local dates and times.
/// Deadlines are dates in the organisation's zone, so every slot is computed
/// here; DST and zone offsets are Foundation's business, not ours.
public struct LocalClock: Sendable {
    public let timeZone: TimeZone
    private let calendar: Calendar
    /// Made once: a value type, so the clock stays `Sendable` (Foundation's
    /// `ISO8601DateFormatter` is a class that is not).
    private let isoStyle: Date.ISO8601FormatStyle
    /// Reads `2026-06-23T09:00:00+08:00` and `…Z`; the offset in the text decides the zone.
    private static let offsetParser = Date.ISO8601FormatStyle()

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
        self.isoStyle = Date.ISO8601FormatStyle(timeZoneSeparator: .colon, timeZone: timeZone)
    }

    /// The instant of `time` on `date`. A time that does not exist that day
    /// (skipped by a DST change) moves forward to the next valid instant.
    public func instant(_ date: LocalDate, _ time: Policy.TimeOfDay) -> Date {
        let components = DateComponents(year: date.year, month: date.month, day: date.day, hour: time.hour, minute: time.minute)
        if let exact = calendar.date(from: components) { return exact }
        return calendar.nextDate(after: instant(date, Policy.TimeOfDay(hour: 0, minute: 0)!), matching: DateComponents(hour: time.hour, minute: time.minute), matchingPolicy: .nextTime) ?? Date.distantFuture
    }

    public func date(of instant: Date) -> LocalDate {
        let c = calendar.dateComponents([.year, .month, .day], from: instant)
        return LocalDate(year: c.year!, month: c.month!, day: c.day!)!
    }

    public func timeOfDay(of instant: Date) -> Policy.TimeOfDay {
        let c = calendar.dateComponents([.hour, .minute], from: instant)
        return Policy.TimeOfDay(hour: c.hour!, minute: c.minute!)!
    }

    /// ISO 8601 with the zone's offset, e.g. `2026-06-23T09:00:00+08:00`.
    public func iso(_ instant: Date) -> String {
        isoStyle.format(instant)
    }

    /// Parses `2026-06-23T09:00`, `2026-06-23T09:00:00+08:00`, `2026-06-23 09:00` or
    /// `2026-06-23` (midnight) as local time unless an offset is given.
    public func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: " ", with: "T")
        if let date = try? Self.offsetParser.parse(trimmed) { return date }
        let parts = trimmed.split(separator: "T", maxSplits: 1)
        guard let first = parts.first, let day = LocalDate(String(first)) else { return nil }
        guard parts.count == 2 else { return instant(day, Policy.TimeOfDay(hour: 0, minute: 0)!) }
        let clock = parts[1].split(separator: ":")
        guard clock.count >= 2, let h = Int(clock[0]), let m = Int(clock[1]),
              let time = Policy.TimeOfDay(hour: h, minute: m) else { return nil }
        if clock.count == 3 {
            guard let s = Int(clock[2]), (0...59).contains(s) else { return nil }
            return instant(day, time).addingTimeInterval(TimeInterval(s))
        }
        return instant(day, time)
    }
}
