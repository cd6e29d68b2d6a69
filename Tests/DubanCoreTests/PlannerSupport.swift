import DubanCore
import Foundation

func day(_ text: String) -> LocalDate { LocalDate(text)! }

/// The 2026 official calendar (the same dates as config/calendars/2026.toml,
/// which DubanDaemonTests checks against this list).
let calendar2026: WorkCalendar = {
    var year = WorkCalendar.Year(year: 2026)
    for d in ["01-01", "01-02", "02-16", "02-17", "02-18", "02-19", "02-20", "02-23", "04-06", "05-01", "05-04", "05-05",
              "06-19", "09-25", "10-01", "10-02", "10-05", "10-06", "10-07"] { year.holidays[day("2026-\(d)")] = "假日" }
    for d in ["01-04", "02-14", "02-28", "05-09", "09-20", "10-10"] { year.workdays[day("2026-\(d)")] = "调休" }
    return WorkCalendar(years: [year])
}()

let shanghai = LocalClock(timeZone: TimeZone(identifier: "Asia/Shanghai")!)
let office = Contact(name: "整改办", email: "zgb@example.org")
let principal = Contact(name: "王书记", email: "principal@example.org")

func makePlanner(policy: Policy = Policy(), clock: LocalClock = shanghai, calendar: WorkCalendar = calendar2026,
                 feedback: LocalDate? = day("2026-03-15"), principal: Contact? = principal) -> Planner {
    Planner(calendar: calendar, policy: policy, chain: Chain(office: office, principal: principal), clock: clock, feedbackDate: feedback)
}

func task(_ id: String, deadline: Deadline, status: TaskStatus = .inProgress,
          officer: Contact? = Contact(name: "张伟", email: "zhang.wei@example.org"),
          leader: Contact? = Contact(name: "李强", email: "li.qiang@example.org"),
          checkpoints: [Checkpoint] = [], completedOn: LocalDate? = nil, acceptedOn: LocalDate? = nil, closedOn: LocalDate? = nil,
          lookBackOn: LocalDate? = nil, lookBackResult: LookBackResult? = nil) -> RectificationTask {
    RectificationTask(id: TaskID(id), idIsExplicit: true, problemNumber: "1", measure: "措施\(id)", department: "办公室",
                      officer: officer, leader: leader, deadline: deadline, checkpoints: checkpoints, status: status,
                      completedOn: completedOn, acceptedOn: acceptedOn, closedOn: closedOn,
                      lookBackOn: lookBackOn, lookBackResult: lookBackResult, source: SourceLocation(file: "t.csv", row: 2))
}

func at(_ text: String, _ clock: LocalClock = shanghai) -> Date { clock.parse(text)! }

extension Planner.Plan {
    var sent: [String] { messages.flatMap { $0.items.map(\.identity.key) }.sorted() }
}

/// Runs the planner slot after slot from `start` to `end` with a log kept in
/// memory, skipping `downtime`. Returns each queued item with when it went out.
func simulate(_ planner: Planner, _ snapshot: LedgerSnapshot, from start: Date, to end: Date,
              downtime: [Range<Date>] = [], loop: Planner.LoopFacts = .init())
    -> (sent: [(Date, PlannedItem, PlannedMessage)], skipped: [SkippedNotification], log: Set<NotificationIdentity>) {
    var log = Set<NotificationIdentity>()
    var sent: [(Date, PlannedItem, PlannedMessage)] = []
    var skipped: [SkippedNotification] = []
    var now = start
    var guardrail = 0
    while now <= end, guardrail < 100_000 {
        guardrail += 1
        if let down = downtime.first(where: { $0.contains(now) }) { now = down.upperBound; continue }
        let plan = planner.plan(snapshot, log: log, loop: loop, now: now)
        for message in plan.messages {
            for item in message.items {
                sent.append((now, item, message))
                log.insert(item.identity)
            }
        }
        for skip in plan.skipped { skipped.append(skip); log.insert(skip.identity) }
        guard let next = plan.next, next > now else { break }
        now = next
    }
    return (sent, skipped, log)
}

/// A deterministic generator for property tests (SplitMix64), so a failure
/// can be replayed from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
