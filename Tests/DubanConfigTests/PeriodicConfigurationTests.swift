import DubanConfig
import DubanCore
import Foundation
import Testing

/// `[extension]` and `[standing]` (issue 13): documented defaults, values
/// read, and out-of-range or unknown keys named with their line.
@Suite struct PeriodicConfigurationTests: ConfigurationSuite {
    @Test func defaultsAndValues() throws {
        let defaults = try Configuration.parse(minimal, file: file).policy
        #expect(defaults.extensions.maxPendingDays == 10 && defaults.extensions.noticeEvery == 5 && defaults.standing.leadDays == 7)
        let set = try Configuration.parse(minimal + """

            [extension]
            max_pending_days = 15
            notice_every = 3
            [standing]
            lead_days = 10
            """, file: file).policy
        #expect(set.extensions.maxPendingDays == 15 && set.extensions.noticeEvery == 3 && set.standing.leadDays == 10)
    }

    @Test func badValuesAreNamed() {
        let messages = errors(minimal + """

            [extension]
            max_pending_days = 0
            repeat_every = 5
            [standing]
            lead_days = -1
            """).map(\.message)
        #expect(messages.contains { $0.hasPrefix("extension.max_pending_days:") })
        #expect(messages.contains { $0.contains("repeat_every") })
        #expect(messages.contains { $0.hasPrefix("standing.lead_days:") })
    }

    /// `weekday` of [digest] and [personal] reads alike (one parser): a
    /// number or a day name, and anything else is named with its table.
    @Test func weekdaysReadAlikeInDigestAndPersonal() throws {
        for table in ["digest", "personal"] {
            func weekday(_ value: String) throws -> Int {
                let config = try Configuration.parse(minimal + "\n[\(table)]\nweekday = \(value)\n", file: file)
                return table == "digest" ? config.digest.schedule.weekday : config.personal.schedule.weekday
            }
            #expect(try weekday("5") == 5, "\(table)")
            #expect(try weekday("\"Sunday\"") == 7, "\(table)")
            for bad in ["0", "8", "\"mon\""] {
                #expect(errors(minimal + "\n[\(table)]\nweekday = \(bad)\n").map(\.message).contains { $0.hasPrefix("\(table).weekday:") }, "\(table) \(bad)")
            }
        }
    }
}
