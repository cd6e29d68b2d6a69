import Foundation

/// The dates a mail carries, formatted without a formatter object per call:
/// value types made once, safe to share between tasks.
enum MailDate {
    private static let gregorian = Calendar(identifier: .gregorian)
    // RFC 5322 §3.3 fixes these English names whatever the reader's language.
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `20260623T010000Z`: an iCalendar UTC date-time (RFC 5545 §3.3.5).
    static let iCalendarUTC = Date.ISO8601FormatStyle(dateSeparator: .omitted, dateTimeSeparator: .standard, timeSeparator: .omitted,
                                                      timeZoneSeparator: .omitted, includingFractionalSeconds: false,
                                                      timeZone: TimeZone(identifier: "UTC")!)

    /// `Tue, 23 Jun 2026 09:00:00 +0800` (RFC 5322 §3.3), in `timeZone`.
    static func rfc5322(_ date: Date, timeZone: TimeZone) -> String {
        let c = gregorian.dateComponents(in: timeZone, from: date)
        let offset = timeZone.secondsFromGMT(for: date) / 60
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let zone = (offset < 0 ? "-" : "+") + two(abs(offset) / 60) + two(abs(offset) % 60)
        return "\(weekdays[c.weekday! - 1]), \(two(c.day!)) \(months[c.month! - 1]) \(c.year!) \(two(c.hour!)):\(two(c.minute!)):\(two(c.second!)) \(zone)"
    }
}
