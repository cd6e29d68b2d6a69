/// The loop after 完成 (README, "Policy"): acceptance prompts and their
/// repeats, closure prompts, the 回头看 look-back with its follow-up, rebounds,
/// and the 约谈 notice at the end of the escalation ladder.
extension Planner {
    /// A task's status as Duban saw it in one read of the ledger. The store
    /// keeps one sighting per change (`statusSighting`), oldest first.
    public struct StatusSighting: Sendable, Hashable {
        public var status: TaskStatus
        public var on: LocalDate

        public init(status: TaskStatus, on: LocalDate) {
            self.status = status
            self.on = on
        }
    }

    /// What Duban saw over time that the ledger alone cannot say: when a
    /// task was first seen accepted (for an empty 验收日期), and when a task
    /// that was accepted or closed was seen open again.
    public struct LoopFacts: Sendable, Equatable {
        /// A task seen accepted or closed, then open (未整改, 整改中) in a later read.
        public struct Reopening: Sendable, Hashable, Codable {
            /// The day Duban first saw it open again.
            public var on: LocalDate
            /// What it was before: `.accepted` or `.closed`.
            public var from: TaskStatus
            /// The first day Duban saw it in that state.
            public var since: LocalDate

            public init(on: LocalDate, from: TaskStatus, since: LocalDate) {
                self.on = on
                self.from = from
                self.since = since
            }
        }

        /// Accepted tasks: the first day of the current run of reads that saw
        /// them accepted (or closed).
        public var firstSeenAccepted: [TaskID: LocalDate]
        /// The latest reopening of each task that was ever reopened.
        public var reopened: [TaskID: Reopening]

        public init(firstSeenAccepted: [TaskID: LocalDate] = [:], reopened: [TaskID: Reopening] = [:]) {
            self.firstSeenAccepted = firstSeenAccepted
            self.reopened = reopened
        }

        /// Derives the facts from each task's sightings, oldest first.
        /// 已完成 between 已验收 and an open status does not hide the
        /// reopening: the task was accepted and is open again.
        public init(history: [TaskID: [StatusSighting]]) {
            self.init()
            for (task, sightings) in history {
                var done: (status: TaskStatus, since: LocalDate)?
                var acceptedSince: LocalDate?
                var reopening: Reopening?
                for sighting in sightings {
                    switch sighting.status {
                    case .accepted, .closed:
                        if acceptedSince == nil { acceptedSince = sighting.on }
                        if done?.status != sighting.status { done = (sighting.status, sighting.on) }
                    case .completed:
                        acceptedSince = nil
                    case .notStarted, .inProgress:
                        if let done { reopening = Reopening(on: sighting.on, from: done.status, since: done.since) }
                        done = nil
                        acceptedSince = nil
                    case .ongoing:
                        done = nil
                        acceptedSince = nil
                    }
                }
                if let acceptedSince { firstSeenAccepted[task] = acceptedSince }
                if let reopening { reopened[task] = reopening }
            }
        }
    }

    /// The due date of every task that has one, done or not: what the store
    /// records as each task's deadline history (a 约谈 dossier).
    public func deadlineRecord(_ snapshot: LedgerSnapshot) -> [TaskID: LocalDate] {
        var result: [TaskID: LocalDate] = [:]
        for task in snapshot.tasks {
            if let due = dueDate(task) { result[task.id] = due }
        }
        return result
    }

    /// The day an open task's ladder restarts from: a changed deadline, or
    /// the day it was seen reopened, whichever is later.
    func restart(_ task: TaskID, deadlineChanges: DeadlineChanges, loop: LoopFacts) -> LocalDate? {
        switch (deadlineChanges[task], loop.reopened[task]?.on) {
        case let (a?, b?): return max(a, b)
        case let (a, b): return a ?? b
        }
    }

    /// The 约谈 notice: `interviewAfter` working days after the ladder's
    /// last step, about the same deadline.
    func interviewCandidate(_ task: RectificationTask, deadline: LocalDate, ladder: [LocalDate], memo: inout Memo,
                            _ body: (NotificationIdentity, LocalDate) -> Void) {
        guard let last = ladder.last else { return }
        body(NotificationIdentity(task: task.id, kind: .interview, step: 1, about: deadline),
             memo.workingDay(max(policy.interviewAfter, 1), after: last, calendar))
    }

    /// Acceptance, closure, look-back and rebound candidates.
    func loopCandidates(_ task: RectificationTask, firstSeenCompleted: FirstSeenCompleted, loop: LoopFacts, memo: inout Memo,
                        _ body: (NotificationIdentity, LocalDate) -> Void) {
        func repeated(_ kind: NotificationKind, about: LocalDate, first: Int, every: Int, times: Int) {
            var day = memo.workingDay(first, after: about, calendar)
            body(NotificationIdentity(task: task.id, kind: kind, step: 1, about: about), day)
            for repeatIndex in 0..<max(times, 0) {
                day = memo.workingDay(max(every, 1), after: day, calendar)
                body(NotificationIdentity(task: task.id, kind: kind, step: repeatIndex + 2, about: about), day)
            }
        }
        var resultRebound: LocalDate?
        switch task.status {
        case .completed where task.acceptedOn == nil:
            guard let done = task.completedOn ?? firstSeenCompleted[task.id] else { break }
            repeated(.acceptance, about: done, first: policy.acceptanceAfterWorkingDays,
                     every: policy.acceptanceRepeatEvery, times: policy.acceptanceMaxRepeats)
        case .completed, .accepted:
            // A 验收日期 makes a task accepted whatever its status word says.
            guard let accepted = task.acceptedOn ?? loop.firstSeenAccepted[task.id] else { break }
            repeated(.closure, about: accepted, first: policy.closureAfterWorkingDays,
                     every: policy.closureRepeatEvery, times: policy.closureMaxRepeats)
        case .closed:
            let lookBackDay = task.closedOn.map { memo.onOrAfter($0.adding(months: policy.lookBackMonths), calendar) }
            if let closed = task.closedOn, let lookBackDay, task.lookBackOn == nil, task.lookBackResult == nil {
                body(NotificationIdentity(task: task.id, kind: .lookback, step: 1, about: closed), lookBackDay)
                body(NotificationIdentity(task: task.id, kind: .lookback, step: 2, about: closed),
                     memo.workingDay(max(policy.lookBackFollowUpAfter, 1), after: lookBackDay, calendar))
            }
            if task.lookBackResult?.isRebound == true {
                resultRebound = task.lookBackOn ?? lookBackDay ?? loop.firstSeenAccepted[task.id]
            }
        case .notStarted, .inProgress, .ongoing:
            break
        }
        let reopened = loop.reopened[task.id]?.on
        if let reopened {
            body(NotificationIdentity(task: task.id, kind: .rebound, step: 1, about: reopened), memo.onOrAfter(reopened, calendar))
        }
        if let resultRebound, resultRebound != reopened {
            body(NotificationIdentity(task: task.id, kind: .rebound, step: 1, about: resultRebound), memo.onOrAfter(resultRebound, calendar))
        }
    }

    /// Catch-up for the loop's kinds: of acceptance, closure and look-back
    /// steps due at once, only the latest goes out; every rebound goes out.
    /// (The 约谈 notice is sent; it supersedes escalations, see `catchUp`.)
    func catchUpLoop(_ due: [(NotificationIdentity, LocalDate)],
                     send: inout [(NotificationIdentity, LocalDate)], skip: inout [SkippedNotification]) {
        for kind in [NotificationKind.acceptance, .closure, .lookback] {
            let steps = due.filter { $0.0.kind == kind }
            for (_, group) in Dictionary(grouping: steps, by: { $0.0.about }) {
                let sorted = group.sorted { $0.0.step > $1.0.step }
                send.append(sorted[0])
                skip += sorted.dropFirst().map { SkippedNotification(identity: $0.0, reason: .supersededByLaterStep) }
            }
        }
        send += due.filter { $0.0.kind == .rebound || $0.0.kind == .interview }
    }
}
