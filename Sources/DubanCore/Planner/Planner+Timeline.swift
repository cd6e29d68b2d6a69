public import Foundation

extension Planner {
    /// `plan` for one fixed snapshot asked again and again at later moments
    /// (a simulation): each task's notifications and their slots are worked
    /// out once, from `forEachCandidate` (so every kind of notice the planner
    /// knows is in it), and kept in one list ordered by slot. A pass then
    /// looks only at the tasks whose notices have come due, instead of
    /// re-planning every task at every slot.
    ///
    /// `plan(log:now:)` returns exactly what `Planner.plan` returns for the
    /// same snapshot, log and moment (a test compares the two over random
    /// ledgers), provided that between calls the log only grows and `now`
    /// does not go back (it starts over when it does).
    ///
    /// `days` are the days the timeline will be asked about (a simulation's
    /// range): standing measures' periods and pending extension requests'
    /// notices depend on the day, and are worked out for these days. Without
    /// them there are none.
    public func timeline(_ snapshot: LedgerSnapshot, firstSeenCompleted: FirstSeenCompleted = [:],
                         deadlineChanges: DeadlineChanges = [:], extensions: ExtensionFacts = .init(),
                         loop: LoopFacts = .init(), days: ClosedRange<LocalDate>? = nil) -> Timeline {
        Timeline(planner: self, snapshot: snapshot, firstSeenCompleted: firstSeenCompleted, deadlineChanges: deadlineChanges,
                 extensions: extensions, loop: loop, days: days)
    }

    public struct Timeline: Sendable {
        struct Candidate: Sendable {
            var identity: NotificationIdentity
            var day: LocalDate
            var slot: Date
        }

        struct Entry: Sendable {
            var slot: Date
            var task: Int
            var candidate: Int
        }

        public let planner: Planner
        public let snapshot: LedgerSnapshot
        public let firstSeenCompleted: FirstSeenCompleted
        public let deadlineChanges: DeadlineChanges
        public let extensions: ExtensionFacts
        /// The tasks with a pending extension request, for the day's warnings.
        private let pendingRequests: LedgerSnapshot
        /// Each task's notices, in the order `forEachCandidate` gives them
        /// (catch-up and grouping depend on that order).
        private let candidates: [[Candidate]]
        /// Every notice, by slot, then ledger order.
        private let entries: [Entry]
        /// Warnings that depend on the snapshot only, in `plan`'s order.
        private let snapshotWarnings: [String]
        private let undatedImmediate: Int
        /// Entries before this one have come due.
        private var cursor = 0
        /// Tasks with notices that came due and may not be in the log yet.
        private var pending = Set<Int>()
        private var last: Date?

        init(planner: Planner, snapshot: LedgerSnapshot, firstSeenCompleted: FirstSeenCompleted, deadlineChanges: DeadlineChanges,
             extensions: ExtensionFacts, loop: LoopFacts = .init(), days: ClosedRange<LocalDate>?) {
            self.planner = planner
            self.snapshot = snapshot
            self.firstSeenCompleted = firstSeenCompleted
            self.deadlineChanges = deadlineChanges
            self.extensions = extensions
            pendingRequests = LedgerSnapshot(tasks: snapshot.tasks.filter { $0.deadlineExtension?.isPending == true })
            var memo = Memo()
            var instants = InstantMemo(clock: planner.clock, time: planner.policy.sendTime)
            var candidates: [[Candidate]] = []
            candidates.reserveCapacity(snapshot.tasks.count)
            var entries: [Entry] = []
            var undatedImmediate = 0
            for (index, task) in snapshot.tasks.enumerated() {
                if case .immediate(nil) = task.deadline, planner.feedbackDate == nil, !task.status.isDone { undatedImmediate += 1 }
                var own: [Candidate] = []
                planner.forEachCandidate(task, firstSeenCompleted: firstSeenCompleted, deadlineChanges: deadlineChanges,
                                         extensions: extensions, loop: loop, days: days, memo: &memo) { identity, day in
                    let slot = instants[day]
                    entries.append(Entry(slot: slot, task: index, candidate: own.count))
                    own.append(Candidate(identity: identity, day: day, slot: slot))
                }
                candidates.append(own)
            }
            entries.sort { ($0.slot, $0.task, $0.candidate) < ($1.slot, $1.task, $1.candidate) }
            self.candidates = candidates
            self.entries = entries
            self.undatedImmediate = undatedImmediate
            snapshotWarnings = planner.snapshotWarnings(snapshot)
        }

        /// What `planner.plan(snapshot, log:, firstSeenCompleted:, deadlineChanges:, now:)` returns.
        public mutating func plan(log: Set<NotificationIdentity>, now: Date) -> Plan {
            if let last, now < last {
                cursor = 0
                pending = []
            }
            last = now
            while cursor < entries.count, entries[cursor].slot <= now {
                pending.insert(entries[cursor].task)
                cursor += 1
            }
            let today = planner.clock.date(of: now)
            let time = planner.clock.timeOfDay(of: now)
            let policy = planner.policy
            let windowOpen = planner.calendar.isWorkingDay(today) && time >= policy.sendTime && time < policy.quietFrom

            // The earliest notice still to come that is not in the log.
            var next: Date?
            var ahead = cursor
            while ahead < entries.count {
                let entry = entries[ahead]
                if !log.contains(candidates[entry.task][entry.candidate].identity) { next = entry.slot; break }
                ahead += 1
            }

            var dueItems: [PlannedItem] = []
            var skipped: [SkippedNotification] = []
            for index in pending.sorted() {
                let due = candidates[index].filter {
                    $0.slot <= now && !log.contains($0.identity) && planner.isLive($0.identity, snapshot.tasks[index], today: today)
                }.map { ($0.identity, $0.day) }
                guard !due.isEmpty else {
                    pending.remove(index)
                    continue
                }
                guard windowOpen else {
                    let opening = planner.nextWindowOpening(after: now, today: today, time: time)
                    if next == nil || opening < next! { next = opening }
                    continue
                }
                let task = snapshot.tasks[index]
                let (send, skip) = planner.catchUp(due, today: today)
                skipped += skip
                dueItems += send.map { PlannedItem(identity: $0.0, task: task, dueDay: $0.1) }
            }

            let warnings = planner.warnings(today: today, about: snapshotWarnings + planner.extensionWarnings(pendingRequests, extensions, today: today),
                                            undatedImmediate: undatedImmediate)
            return Plan(now: now, messages: planner.group(dueItems, now: now), skipped: skipped, next: next, warnings: warnings)
        }
    }
}
