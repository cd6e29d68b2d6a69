import DubanCore
import Foundation
import Testing

@Suite struct DigestScheduleTests {
    let schedule = DigestSchedule()
    func logged(_ weeks: [String]) -> (ISOWeek) -> Bool { { weeks.contains($0.description) } }

    @Test func mondayAtNineAndAHolidayMondayMovesOn() {
        #expect(schedule.slot(of: ISOWeek("2026-W28")!, calendar: calendar2026, clock: shanghai) == at("2026-07-06T09:00"))
        // 2026-10-05 is a National Day holiday (through 10-07): the digest goes on Thursday 10-08.
        #expect(schedule.day(of: ISOWeek("2026-W41")!, calendar: calendar2026) == day("2026-10-08"))
    }

    @Test(arguments: [
        // (now, already sent, due, superseded, next) — comment: what it checks
        ("2026-07-06T09:00", ["2026-W27"], "2026-W28", nil as String?, "2026-07-13T09:00:00+08:00"), // the slot itself
        ("2026-07-06T08:00", ["2026-W27"], nil, nil, "2026-07-06T09:00:00+08:00"),                     // before the slot
        ("2026-07-08T15:00", ["2026-W27"], "2026-W28", nil, "2026-07-13T09:00:00+08:00"),             // missed Monday: caught up
        ("2026-07-08T15:00", [String](), "2026-W28", "2026-W27", "2026-07-13T09:00:00+08:00"),        // two missed: only the latest
        ("2026-07-06T08:00", [String](), "2026-W27", nil, "2026-07-06T09:00:00+08:00"),               // last week never went: now
        ("2026-07-08T15:00", ["2026-W28"], nil, nil, "2026-07-13T09:00:00+08:00"),                    // sent: nothing
    ])
    func decisions(now: String, sent: [String], due: String?, superseded: String?, next: String) {
        let decision = schedule.decide(now: at(now), logged: logged(sent), calendar: calendar2026, clock: shanghai)
        #expect(decision.due?.description == due)
        #expect(decision.superseded?.description == superseded)
        #expect(shanghai.iso(decision.next) == next)
    }
}
