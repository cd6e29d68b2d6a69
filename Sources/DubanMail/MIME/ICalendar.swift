public import DubanCore
public import Foundation

/// An iCalendar file (RFC 5545) with one all-day event per task deadline, so
/// an officer adds the deadline to a calendar with one click. The UID is
/// stable per task, so a later reminder for the same task updates the event
/// instead of adding a second one.
public enum ICalendar {
    public struct Event: Sendable {
        public var taskID: TaskID
        public var date: LocalDate
        public var summary: String
        public var description: String

        public init(taskID: TaskID, date: LocalDate, summary: String, description: String) {
            self.taskID = taskID
            self.date = date
            self.summary = summary
            self.description = description
        }
    }

    public static func document(_ events: [Event], domain: String, timeZone: TimeZone, stamp: Date) -> [UInt8] {
        var lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Duban//督办//ZH",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "X-WR-TIMEZONE:\(timeZone.identifier)",
        ]
        for event in events {
            lines += [
                "BEGIN:VEVENT",
                "UID:\(uid(event.taskID, domain: domain))",
                "DTSTAMP:\(utc(stamp))",
                "DTSTART;VALUE=DATE:\(compact(event.date))",
                "DTEND;VALUE=DATE:\(compact(event.date.adding(days: 1)))",
                "SUMMARY:\(escape(event.summary))",
                "DESCRIPTION:\(escape(event.description))",
                "TRANSP:TRANSPARENT",
                "END:VEVENT",
            ]
        }
        lines.append("END:VCALENDAR")
        return Array(lines.map(fold).joined(separator: "\r\n").appending("\r\n").utf8)
    }

    /// Task ids are free text; the UID keeps only safe characters and adds a
    /// hash so that ids differing only in unsafe characters stay distinct.
    static func uid(_ id: TaskID, domain: String) -> String {
        let safe = id.rawValue.unicodeScalars.filter { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) }
        return "duban-\(String(String.UnicodeScalarView(safe)))-\(String(StableHash.of(id.rawValue), radix: 36))@\(domain)"
    }

    static func compact(_ date: LocalDate) -> String { date.description.replacingOccurrences(of: "-", with: "") }

    static func utc(_ date: Date) -> String {
        MailDate.iCalendarUTC.format(date)
    }

    /// TEXT escaping: backslash, semicolon, comma and newlines; invisible
    /// characters shown as `<U+202E>`, as in the mail body.
    static func escape(_ text: String) -> String {
        var out = ""
        for ch in UntrustedText.visible(text) {
            switch ch {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\n", "\r\n": out += "\\n"
            case "\r": continue
            default:
                if let ascii = ch.asciiValue, ascii < 0x20 { continue }
                out.append(ch)
            }
        }
        return out
    }

    /// Lines longer than 75 octets are folded with CRLF + space, never inside a character.
    static func fold(_ line: String) -> String {
        var out = ""
        var count = 0
        for ch in line {
            let size = String(ch).utf8.count
            if count + size > 75 {
                out += "\r\n "
                count = 1
            }
            out.append(ch)
            count += size
        }
        return out
    }
}
