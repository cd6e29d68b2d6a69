public import DubanCore

/// One cell to write. Dates are written as real Excel dates (serial numbers
/// with a date number format), so they sort, filter and compute in Excel;
/// times are local wall-clock times, already converted by the caller (the
/// writer knows no time zone).
public enum XLSXCell: Sendable, Hashable {
    case empty
    case text(String)
    case number(Double)
    case date(LocalDate)
    /// A local date and time, `secondsIntoDay` 0..<86400.
    case dateTime(LocalDate, secondsIntoDay: Int)

    /// `.text` for a non-empty string, `.empty` otherwise.
    public static func optionalText(_ text: String?) -> XLSXCell {
        guard let text, !text.isEmpty else { return .empty }
        return .text(text)
    }

    /// `.date` when there is one.
    public static func optionalDate(_ date: LocalDate?) -> XLSXCell {
        date.map(XLSXCell.date) ?? .empty
    }
}

/// Excel's 1900 date system: serial 1 is 1900-01-01, and Excel counts a
/// 1900-02-29 that never was, so from 1900-03-01 on a serial is the days
/// since 1899-12-30.
enum ExcelSerial {
    static let epoch = LocalDate(year: 1899, month: 12, day: 30)!.dayNumber
    static let firstExact = LocalDate(year: 1900, month: 3, day: 1)!

    /// Nil before 1900-03-01, where Excel's serials disagree with the calendar.
    static func serial(_ date: LocalDate) -> Int? {
        date < firstExact ? nil : date.dayNumber - epoch
    }
}
