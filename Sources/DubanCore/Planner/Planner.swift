public import Foundation

/// Decides, for any moment, what must be sent to whom.
///
/// A pure function of (ledger snapshot, calendar, policy, chain, notification
/// log, now): the same inputs give the same plan, so the daemon, `preview`
/// and `simulate` all ask the same question and tests can ask it at any date.
///
/// Rules (README, "Policy"):
/// - Exactly once: an identity in the log is never planned again.
/// - Slots: a notification is due from its day's `sendTime`; it goes out only
///   while the window [sendTime, quietFrom) of a working day is open.
/// - Catch-up after downtime: what came due while nobody sent it goes out
///   once; a reminder whose date has passed is skipped (the escalation
///   replaces it); of several escalation steps or reminder leads due at once,
///   only the highest step / latest lead is sent and the rest are recorded
///   as skipped.
/// - Grouping: one message per recipient list per kind (and level).
public struct Planner: Sendable {
    public var calendar: WorkCalendar
    public var policy: Policy
    public var chain: Chain
    public var clock: LocalClock
    /// Completes 立行立改 tasks written without a date.
    public var feedbackDate: LocalDate?

    public init(calendar: WorkCalendar, policy: Policy, chain: Chain, clock: LocalClock, feedbackDate: LocalDate?) {
        self.calendar = calendar
        self.policy = policy
        self.chain = chain
        self.clock = clock
        self.feedbackDate = feedbackDate
    }

    public struct Plan: Sendable {
        public var now: Date
        /// Messages to queue now.
        public var messages: [PlannedMessage]
        /// Identities to record as decided but not sent.
        public var skipped: [SkippedNotification]
        /// The next instant anything can become due (nil: nothing ever will
        /// unless the ledger changes).
        public var next: Date?
        /// Things an ops team must know: missing calendar years, tasks that
        /// can never be reminded about.
        public var warnings: [String]
    }

    /// What the planner knows about a task beyond the ledger: the day Duban
    /// first saw it completed, for tasks whose 完成日期 is empty.
    public typealias FirstSeenCompleted = [TaskID: LocalDate]

    /// The day Duban first saw each task's current deadline replace an
    /// earlier one (or saw the task appear in a ledger it was already
    /// watching). Escalation steps that fell due before that day were never
    /// missed by downtime: they could not have been sent, so the ladder
    /// starts at level 1 on that day instead of jumping to its top.
    public typealias DeadlineChanges = [TaskID: LocalDate]

    public func plan(_ snapshot: LedgerSnapshot, log: Set<NotificationIdentity>,
                     firstSeenCompleted: FirstSeenCompleted = [:], deadlineChanges: DeadlineChanges = [:],
                     extensions: ExtensionFacts = .init(), loop: LoopFacts = .init(), now: Date) -> Plan {
        var memo = Memo()
        var instants = InstantMemo(clock: clock, time: policy.sendTime)
        let today = clock.date(of: now)
        let time = clock.timeOfDay(of: now)
        let windowOpen = calendar.isWorkingDay(today) && time >= policy.sendTime && time < policy.quietFrom

        var next: Date?
        var dueItems: [PlannedItem] = []
        var skipped: [SkippedNotification] = []
        var undatedImmediate = 0

        for task in snapshot.tasks {
            if case .immediate(nil) = task.deadline, feedbackDate == nil, !task.status.isDone { undatedImmediate += 1 }
            var due: [(NotificationIdentity, LocalDate)] = []
            forEachCandidate(task, firstSeenCompleted: firstSeenCompleted, deadlineChanges: deadlineChanges,
                             extensions: extensions, loop: loop, days: today...today, memo: &memo) { identity, day in
                if log.contains(identity) { return }
                let slot = instants[day]
                if slot > now {
                    if next == nil || slot < next! { next = slot }
                } else {
                    due.append((identity, day))
                }
            }
            guard !due.isEmpty else { continue }
            guard windowOpen else {
                let opening = nextWindowOpening(after: now, today: today, time: time)
                if next == nil || opening < next! { next = opening }
                continue
            }
            let (send, skip) = catchUp(due, today: today)
            skipped += skip
            dueItems += send.map { PlannedItem(identity: $0.0, task: task, dueDay: $0.1) }
        }

        let warnings = warnings(today: today, about: snapshotWarnings(snapshot) + extensionWarnings(snapshot, extensions, today: today),
                                undatedImmediate: undatedImmediate)
        // Items and skips stay in ledger order: deterministic, and what a reader of the ledger expects.
        return Plan(now: now, messages: group(dueItems, now: now), skipped: skipped,
                    next: next, warnings: warnings)
    }

    /// A plan's warnings: the calendar's for `today`, then those about the
    /// snapshot (`snapshotWarnings`), then undated 立行立改 tasks.
    func warnings(today: LocalDate, about snapshot: [String], undatedImmediate: Int) -> [String] {
        var warnings: [String] = []
        let horizon = today.adding(days: 61)
        for year in calendar.missingYears(today.year...horizon.year) {
            warnings.append("no work calendar for \(year): weekends only, holidays and 调休 make-up days unknown; add config/calendars/\(year).toml")
        }
        warnings += snapshot
        if undatedImmediate > 0 {
            warnings.append("\(undatedImmediate) 立行立改 task(s) have no date and [programme] feedback_date is not set; they get no deadline mail")
        }
        return warnings
    }

    /// Warnings that depend on the snapshot alone (a timeline works them out once).
    func snapshotWarnings(_ snapshot: LedgerSnapshot) -> [String] {
        var warnings: [String] = []
        let unreadable = snapshot.tasks.count { !$0.status.isDone && ($0.deadline.kind == .unparsed || $0.deadline.kind == .missing) }
        if unreadable > 0 {
            warnings.append("\(unreadable) open task(s) have no readable deadline and get no deadline mail (see duban check)")
        }
        let selfSupervised = selfSupervisedTasks(snapshot)
        if !selfSupervised.isEmpty {
            let named = selfSupervised.prefix(5).map { "\($0.id) (\($0.officer?.name ?? ""))" }.joined(separator: ", ")
            warnings.append("\(selfSupervised.count) open task(s) name the officer as their own supervising leader: \(named)\(selfSupervised.count > 5 ? " …" : ""); level-1 escalations skip to the next person up")
        }
        return warnings
    }

    // MARK: - Rules

    /// Calls `body` with every notification the task can ever have, and the
    /// working day it becomes due on.
    func forEachCandidate(_ task: RectificationTask, firstSeenCompleted: FirstSeenCompleted,
                          deadlineChanges: DeadlineChanges = [:], extensions: ExtensionFacts = .init(), loop: LoopFacts = .init(),
                          days: ClosedRange<LocalDate>? = nil,
                          memo: inout Memo, _ body: (NotificationIdentity, LocalDate) -> Void) {
        // 延期 and 长期坚持 (Planner+Extension.swift, Planner+Standing.swift).
        // `days` are the days planned for: today for `plan`, a simulation's range for a timeline.
        let requestedOn = days.flatMap { self.pendingSince(task, extensions, today: $0.lowerBound) }
        if let requestedOn, let days { forEachExtensionCandidate(task, since: requestedOn, through: days.upperBound, memo: &memo, body) }
        if let days { forEachStandingCandidate(task, days: days, body) }
        switch task.status {
        case .notStarted, .inProgress:
            guard let deadline = dueDate(task) else { break }
            for lead in policy.reminderLeadDays {
                body(NotificationIdentity(task: task.id, kind: .reminder, step: lead, about: deadline),
                     memo.before(deadline, lead: lead, unit: policy.reminderLeadUnit, calendar))
            }
            for checkpoint in task.checkpoints {
                for lead in policy.checkpointLeadDays {
                    body(NotificationIdentity(task: task.id, kind: .checkpoint, step: lead, about: checkpoint.date),
                         memo.before(checkpoint.date, lead: lead, unit: policy.reminderLeadUnit, calendar))
                }
            }
            let days = paused(ladder(for: deadline, changedOn: restart(task.id, deadlineChanges: deadlineChanges, loop: loop), memo: &memo),
                              pendingSince: requestedOn)
            for (index, day) in days.enumerated() {
                body(NotificationIdentity(task: task.id, kind: .escalation, step: index + 1, about: deadline), day)
            }
            interviewCandidate(task, deadline: deadline, ladder: days, memo: &memo, body)
        case .completed, .accepted, .closed, .ongoing:
            // 长期坚持 has become a standing measure: no deadline left to chase.
            break
        }
        // Acceptance, closure, look-back, rebound (Planner+Loop.swift).
        loopCandidates(task, firstSeenCompleted: firstSeenCompleted, loop: loop, memo: &memo, body)
    }

    /// The escalation days for `deadline`: level 1, level 2, then level 2's
    /// repeats. When the deadline only became known on `changedOn`, after
    /// its level-1 day had passed, the whole ladder moves so that level 1
    /// falls on that day (or the next working day): the leader hears first,
    /// as if the deadline had always been known. Identities keep `about =
    /// deadline`, so only the days move.
    func ladder(for deadline: LocalDate, changedOn: LocalDate?, memo: inout Memo) -> [LocalDate] {
        let days = memo.escalationDays(after: deadline, policy, calendar)
        guard let changedOn, days[0] < changedOn else { return days }
        let level1 = memo.onOrAfter(changedOn, calendar)
        let base = memo.workingDay(-policy.escalationLevel1After, after: level1, calendar)
        return memo.escalationDays(after: base, policy, calendar)
    }

    /// Open tasks whose officer is also named as their supervising leader:
    /// a level-1 escalation to them would only remind them again.
    public func selfSupervisedTasks(_ snapshot: LedgerSnapshot) -> [RectificationTask] {
        snapshot.tasks.filter { task in
            guard !task.status.isDone, let officer = task.officer, let leader = task.leader else { return false }
            return Self.samePerson(officer, leader)
        }
    }

    /// Two contacts are one person when their addresses match (ignoring
    /// case), or, when either has no address, when their names match.
    static func samePerson(_ a: Contact, _ b: Contact) -> Bool {
        if let x = a.email, let y = b.email { return sameIgnoringCase(x, y) }
        let name = trimmingSpaces(a.name)
        return !name.isEmpty && name == trimmingSpaces(b.name)
    }

    /// `x.lowercased() == y.lowercased()` without building two strings when
    /// both are ASCII (addresses nearly always are); asked for every open task.
    static func sameIgnoringCase(_ x: String, _ y: String) -> Bool {
        let a = x.utf8, b = y.utf8
        guard a.count == b.count else { return x.lowercased() == y.lowercased() }
        for (p, q) in zip(a, b) where p != q {
            guard p < 0x80, q < 0x80 else { return x.lowercased() == y.lowercased() }
            func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c + 0x20 : c }
            if lower(p) != lower(q) { return false }
        }
        // Equal bytes except ASCII case: equal after lowercasing only if no non-ASCII byte differs (none did).
        return true
    }

    /// `trimmingCharacters(in: .whitespaces)` (tab and Unicode's space
    /// separators) without Foundation's bridging: asked for every open task
    /// of a million-task ledger by `check`, and names are nearly always
    /// already trimmed, which costs two scalar looks here.
    static func trimmingSpaces(_ text: String) -> Substring {
        func isSpace(_ scalar: Unicode.Scalar) -> Bool {
            // Printable ASCII is decided without Unicode's property table.
            if scalar.value > 0x20 && scalar.value < 0x7F { return false }
            return scalar == "\t" || scalar.properties.generalCategory == .spaceSeparator
        }
        let scalars = Substring(text).unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return "" }
        if !isSpace(first) && !isSpace(last) { return Substring(text) }
        guard let start = scalars.firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = scalars.lastIndex(where: { !isSpace($0) })!
        return Substring(scalars[start...end])
    }

    /// The due date of every open task that has one: what the store records
    /// to notice a deadline that changed.
    public func dueDates(_ snapshot: LedgerSnapshot) -> [TaskID: LocalDate] {
        var result: [TaskID: LocalDate] = [:]
        result.reserveCapacity(snapshot.tasks.count)
        for task in snapshot.tasks where !task.status.isDone {
            if let due = dueDate(task) { result[task.id] = due }
        }
        return result
    }

    /// The date a task is due, if it has one Duban can act on.
    public func dueDate(_ task: RectificationTask) -> LocalDate? {
        // An approved extension is the deadline from then on (README, "Extensions").
        if let granted = task.deadlineExtension, granted.isApproved, let date = granted.newDeadline { return date }
        switch task.deadline {
        case .by(let date), .byThenOngoing(let date), .immediate(let date?): return date
        case .immediate(nil): return feedbackDate?.adding(days: policy.immediateDays)
        case .ongoing, .missing, .unparsed: return nil
        }
    }

    /// Applies the catch-up rules to one task's due notifications.
    func catchUp(_ due: [(NotificationIdentity, LocalDate)], today: LocalDate)
        -> (send: [(NotificationIdentity, LocalDate)], skip: [SkippedNotification]) {
        var send: [(NotificationIdentity, LocalDate)] = []
        var skip: [SkippedNotification] = []
        // Reminders and checkpoints: per date, only the latest lead, and none once the date has passed.
        // Grouped in the order the dates first appear (a Dictionary's order
        // follows the process's hash seed, and the plan must not).
        var groups: [[(NotificationIdentity, LocalDate)]] = []
        var groupOf: [String: Int] = [:]
        for entry in due where entry.0.kind == .reminder || entry.0.kind == .checkpoint {
            let key = "\(entry.0.kind.rawValue)/\(entry.0.about)"
            if let index = groupOf[key] { groups[index].append(entry) } else { groupOf[key] = groups.count; groups.append([entry]) }
        }
        for group in groups {
            let sorted = group.sorted { $0.0.step < $1.0.step }   // smallest lead = latest reminder
            if today > sorted[0].0.about {
                skip += sorted.map { SkippedNotification(identity: $0.0, reason: .deadlinePassed) }
                continue
            }
            send.append(sorted[0])
            skip += sorted.dropFirst().map { SkippedNotification(identity: $0.0, reason: .supersededByLaterReminder) }
        }
        // Escalations: only the highest step; none when the 约谈 notice, the ladder's end, is due too.
        let escalations = due.filter { $0.0.kind == .escalation }.sorted { $0.0.step > $1.0.step }
        if due.contains(where: { $0.0.kind == .interview }) {
            skip += escalations.map { SkippedNotification(identity: $0.0, reason: .supersededByInterview) }
        } else if let highest = escalations.first {
            send.append(highest)
            skip += escalations.dropFirst().map { SkippedNotification(identity: $0.0, reason: .supersededByHigherEscalation) }
        }
        catchUpLoop(due, send: &send, skip: &skip)
        let (periodic, periodicSkip) = catchUpPeriodic(due, today: today)
        return (send + periodic, skip + periodicSkip)
    }

    /// The next instant the sending window opens.
    public func nextWindowOpening(after now: Date, today: LocalDate, time: Policy.TimeOfDay) -> Date {
        if calendar.isWorkingDay(today) && time < policy.sendTime { return clock.instant(today, policy.sendTime) }
        return clock.instant(calendar.workingDay(1, after: today), policy.sendTime)
    }

    // MARK: - Recipients and grouping

    struct Addressing {
        var to: [Contact]
        var cc: [Contact]
        var unreachable: [UnreachablePerson]
    }

    /// Who receives an item. Anyone without an address is named in the
    /// message, and the office receives it instead: as To when nobody else
    /// is, as Cc otherwise. Nothing is dropped.
    func addressing(_ item: PlannedItem) -> Addressing {
        let task = item.task
        var result = Addressing(to: [], cc: [], unreachable: [])
        func add(_ contact: Contact?, role: PersonRole, cc: Bool) {
            guard let contact, contact.email != nil else {
                result.unreachable.append(UnreachablePerson(role: role, name: contact?.name))
                if !cc { result.to.append(chain.office) }
                return
            }
            if cc { result.cc.append(contact) } else { result.to.append(contact) }
        }
        /// A chain contact that is optional in the configuration: copied only when configured.
        func addConfigured(_ contact: Contact?, role: PersonRole) {
            if contact != nil { add(contact, role: role, cc: true) }
        }
        /// The principal, unless the principal is the person being escalated
        /// about: then the office, the last step up.
        func addAbove(_ person: Contact?) {
            if let person, let principal = chain.principal, Self.samePerson(person, principal) {
                result.to.append(chain.office)
            } else {
                add(chain.principal, role: .principal, cc: false)
            }
        }
        switch item.identity.kind {
        case .reminder, .checkpoint:
            add(task.officer, role: .officer, cc: false)
            for other in task.coOfficers { add(other, role: .officer, cc: true) }
        case .escalation where item.identity.step == 1:
            // An officer who is their own leader is skipped: level 1 goes one step up.
            if let officer = task.officer, let leader = task.leader, Self.samePerson(officer, leader) {
                addAbove(officer)
            } else {
                add(task.leader, role: .leader, cc: false)
            }
            add(task.officer, role: .officer, cc: true)
        case .escalation:
            addAbove(task.officer)
            add(task.leader, role: .leader, cc: true)
            add(task.officer, role: .officer, cc: true)
        case .acceptance:
            result.to = [chain.office]
            // From the first repeat on, the leader hears of it too.
            if item.identity.step > 1 { add(task.leader, role: .leader, cc: true) }
        case .closure, .digest:
            result.to = [chain.office]
        case .lookback:
            result.to = [chain.office]
            addConfigured(chain.principal, role: .principal)
        case .extension:
            // The office decides on extensions.
            result.to = [chain.office]
        case .standing where item.identity.step == 1:
            add(task.officer, role: .officer, cc: false)
        case .standing:
            // A period passed unrecorded: the leader, cc the officer, as at level 1.
            if let officer = task.officer, let leader = task.leader, Self.samePerson(officer, leader) {
                addAbove(officer)
            } else {
                add(task.leader, role: .leader, cc: false)
            }
            add(task.officer, role: .officer, cc: true)
        case .personal:
            // Not planned per task (its stage addresses it); the office as a safe default.
            result.to = [chain.office]
        case .rebound:
            result.to = [chain.office]
            addConfigured(chain.principal, role: .principal)
            add(task.leader, role: .leader, cc: true)
        case .interview:
            addAbove(task.officer)
            result.cc.append(chain.office)
            addConfigured(chain.discipline, role: .discipline)
        }
        // Nobody silently missing: whoever could not be reached, the office reads it.
        if !result.unreachable.isEmpty, !(result.to + result.cc).contains(where: { $0.email == chain.office.email }) {
            if result.to.isEmpty { result.to = [chain.office] } else { result.cc.append(chain.office) }
        }
        result.to = unique(result.to)
        result.cc = unique(result.cc).filter { cc in !result.to.contains { $0.email == cc.email } }
        return result
    }

    private func unique(_ contacts: [Contact]) -> [Contact] {
        var seen = Set<String>()
        return contacts.filter { seen.insert($0.email ?? $0.name).inserted }
    }

    /// One message per (kind, level, recipients), items in task order.
    func group(_ items: [PlannedItem], now: Date) -> [PlannedMessage] {
        struct Key: Hashable { var kind: NotificationKind; var level: Int?; var to: [String] }
        // Messages are built in place (index into an array, sets for
        // membership): a catch-up after a long outage can put hundreds of
        // thousands of tasks into a few messages.
        var messages: [PlannedMessage] = []
        var index: [Key: Int] = [:]
        var ccSeen: [Set<String>] = []
        var unreachableSeen: [Set<UnreachablePerson>] = []
        for item in items {
            let address = addressing(item)
            let key = Key(kind: item.identity.kind, level: item.identity.level, to: address.to.map { $0.email ?? $0.name }.sorted())
            let i: Int
            if let existing = index[key] {
                i = existing
            } else {
                i = messages.count
                index[key] = i
                messages.append(PlannedMessage(kind: key.kind, level: key.level, slot: now, to: address.to, cc: [], items: [], unreachable: []))
                ccSeen.append([])
                unreachableSeen.append([])
            }
            messages[i].items.append(item)
            for cc in address.cc where ccSeen[i].insert(cc.email ?? cc.name).inserted { messages[i].cc.append(cc) }
            for person in address.unreachable where unreachableSeen[i].insert(person).inserted { messages[i].unreachable.append(person) }
        }
        return messages.sorted {
            ($0.kind, $0.level ?? 0, $0.to.map { $0.email ?? "" }.joined()) < ($1.kind, $1.level ?? 0, $1.to.map { $0.email ?? "" }.joined())
        }
    }
}

/// Per-plan caches: a million tasks share a few hundred deadline dates, and
/// working-day arithmetic and zone conversion are done once per date.
struct Memo {
    private var befores: [Int: LocalDate] = [:]
    private var escalations: [Int: [LocalDate]] = [:]
    private var afters: [Int: LocalDate] = [:]
    private var workingDays: [Int: LocalDate] = [:]

    mutating func onOrAfter(_ date: LocalDate, _ calendar: WorkCalendar) -> LocalDate {
        if let cached = afters[date.dayNumber] { return cached }
        let value = calendar.onOrAfter(date)
        afters[date.dayNumber] = value
        return value
    }

    mutating func workingDay(_ n: Int, after date: LocalDate, _ calendar: WorkCalendar) -> LocalDate {
        let key = date.dayNumber &* 1024 &+ n
        if let cached = workingDays[key] { return cached }
        let value = calendar.workingDay(n, after: date)
        workingDays[key] = value
        return value
    }

    /// `lead` days before `date`, moved back to a working day.
    mutating func before(_ date: LocalDate, lead: Int, unit: Policy.LeadUnit, _ calendar: WorkCalendar) -> LocalDate {
        let key = date.dayNumber &* 1024 &+ lead &* 2 &+ (unit == .working ? 1 : 0)
        if let cached = befores[key] { return cached }
        let value = unit == .working
            ? calendar.workingDay(-lead, after: date)
            : calendar.onOrBefore(date.adding(days: -lead))
        befores[key] = value
        return value
    }

    /// Level 1, level 2, then level 2's repeats.
    mutating func escalationDays(after deadline: LocalDate, _ policy: Policy, _ calendar: WorkCalendar) -> [LocalDate] {
        if let cached = escalations[deadline.dayNumber] { return cached }
        var days = [calendar.workingDay(policy.escalationLevel1After, after: deadline)]
        var level2 = calendar.workingDay(policy.escalationLevel2After, after: deadline)
        if level2 <= days[0] { level2 = calendar.workingDay(1, after: days[0]) }
        days.append(level2)
        var last = level2
        for _ in 0..<max(policy.escalationMaxRepeats, 0) {
            last = calendar.workingDay(max(policy.escalationRepeatEvery, 1), after: last)
            days.append(last)
        }
        escalations[deadline.dayNumber] = days
        return days
    }
}

/// The send-time instant of each day, converted once per plan.
struct InstantMemo {
    let clock: LocalClock
    let time: Policy.TimeOfDay
    private var cache: [Int: Date] = [:]

    init(clock: LocalClock, time: Policy.TimeOfDay) {
        self.clock = clock
        self.time = time
    }

    subscript(day: LocalDate) -> Date {
        mutating get {
            if let cached = cache[day.dayNumber] { return cached }
            let value = clock.instant(day, time)
            cache[day.dayNumber] = value
            return value
        }
    }
}
