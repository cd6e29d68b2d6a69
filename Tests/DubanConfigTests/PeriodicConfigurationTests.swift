import DubanConfig
import DubanCore
import Foundation
import Testing

/// `[extension]` and `[standing]` (issue 13): documented defaults, values
/// read, and out-of-range or unknown keys named with their line.
@Suite struct PeriodicConfigurationTests {
    let file = URL(fileURLWithPath: "/etc/duban/duban.toml")
    let minimal = """
        [organization]
        name = "XX单位"
        [programme]
        name = "整改"
        [ledger]
        paths = "ledger.xlsx"
        [chain]
        office = { name = "整改办", email = "zgb@example.org" }

        """

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
        do {
            _ = try Configuration.parse(minimal + """
                [extension]
                max_pending_days = 0
                repeat_every = 5
                [standing]
                lead_days = -1
                """, file: file)
            Issue.record("accepted")
        } catch {
            let messages = error.diagnostics.map(\.message)
            #expect(messages.contains { $0.hasPrefix("extension.max_pending_days:") })
            #expect(messages.contains { $0.contains("repeat_every") })
            #expect(messages.contains { $0.hasPrefix("standing.lead_days:") })
        }
    }
}
