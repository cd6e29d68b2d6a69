/// 延期: a task whose officer asked for more time (README, "Extensions").
///
/// - While the request is pending, escalation above level 1 pauses: level 2
///   and its repeats that fall due are held back to the day the pause ends.
/// - The office is told at the next slot, and again every
///   `noticeEvery` working days while the request stays pending.
/// - The pause ends `maxPendingDays` working days after the first read that
///   showed the request: the held-back steps fall due then, and catch-up
///   sends the highest, as if the ladder had never stopped.
/// - An approved extension (延期至 and 延期批准人) is the deadline from then
///   on (`Planner.dueDate`): a new date, new identities, a new ladder.
public struct ExtensionPolicy: Sendable, Equatable {
    /// A request pending longer than this many working days (default 10)
    /// pauses nothing any more.
    public var maxPendingDays = 10
    /// The office is told again every this many working days (default 5).
    public var noticeEvery = 5

    public init() {}
}

extension Planner {
    /// What the store knows about extension requests beyond the ledger.
    public struct ExtensionFacts: Sendable, Equatable {
        /// The day Duban first read each pending request. A pending request
        /// missing here counts from the day it is planned for.
        public var pendingSince: [TaskID: LocalDate]

        public init(pendingSince: [TaskID: LocalDate] = [:]) {
            self.pendingSince = pendingSince
        }
    }

    /// The day a pending request stops holding back escalation: the
    /// `maxPendingDays`-th working day after it was first read.
    public func pauseEnds(since: LocalDate) -> LocalDate {
        calendar.workingDay(max(policy.extensions.maxPendingDays, 0), after: since)
    }

    /// The day the task's pending request was first read, nil when it has none.
    func pendingSince(_ task: RectificationTask, _ facts: ExtensionFacts, today: LocalDate) -> LocalDate? {
        guard task.deadlineExtension?.isPending == true, !task.status.isDone else { return nil }
        return facts.pendingSince[task.id] ?? today
    }

    /// The escalation days with level 2 and its repeats held back to the end
    /// of the pause while a request is pending. Level 1 goes as usual: the
    /// leader should know the task is late and asks for time.
    func paused(_ days: [LocalDate], pendingSince: LocalDate?) -> [LocalDate] {
        guard let pendingSince else { return days }
        let end = pauseEnds(since: pendingSince)
        return days.enumerated().map { index, day in index >= 1 && day < end ? end : day }
    }

    /// Notices to the office about one pending request: step 1 on the first
    /// working day from `since`, then every `noticeEvery` working days, up to
    /// the first one after `through` (which gives the plan its next instant).
    func forEachExtensionCandidate(_ task: RectificationTask, since: LocalDate, through: LocalDate, memo: inout Memo,
                                   _ body: (NotificationIdentity, LocalDate) -> Void) {
        let first = memo.onOrAfter(since, calendar)
        let every = max(policy.extensions.noticeEvery, 1)
        var day = first
        var step = 1
        // A request pending for years still ends: at most one notice per step up to today.
        while step <= 10_000 {
            body(NotificationIdentity(task: task.id, kind: .extension, step: step, about: since), day)
            if day > through { return }
            step += 1
            day = memo.workingDay(every * (step - 1), after: first, calendar)
        }
    }

    /// Catch-up for the periodic kinds: of several notices about one
    /// extension request due at once only the latest goes; a standing
    /// measure's request whose period has ended is not sent (the notice to
    /// the leader replaces it).
    func catchUpPeriodic(_ due: [(NotificationIdentity, LocalDate)], today: LocalDate)
        -> (send: [(NotificationIdentity, LocalDate)], skip: [SkippedNotification]) {
        var send: [(NotificationIdentity, LocalDate)] = []
        var skip: [SkippedNotification] = []
        let notices = due.filter { $0.0.kind == .extension }.sorted { $0.0.step > $1.0.step }
        if let latest = notices.first {
            send.append(latest)
            skip += notices.dropFirst().map { SkippedNotification(identity: $0.0, reason: .supersededByLaterNotice) }
        }
        for (identity, day) in due where identity.kind == .standing {
            if identity.step == 1, today > identity.about {
                skip.append(SkippedNotification(identity: identity, reason: .periodEnded))
            } else {
                send.append((identity, day))
            }
        }
        return (send, skip)
    }

    /// Requests pending past their pause: escalation has resumed.
    func extensionWarnings(_ snapshot: LedgerSnapshot, _ facts: ExtensionFacts, today: LocalDate) -> [String] {
        let lapsed = snapshot.tasks.filter { task in
            guard let since = pendingSince(task, facts, today: today) else { return false }
            return today >= pauseEnds(since: since)
        }
        guard !lapsed.isEmpty else { return [] }
        let named = lapsed.prefix(5).map(\.id.rawValue).joined(separator: ", ")
        return ["\(lapsed.count) extension request(s) pending more than \(policy.extensions.maxPendingDays) working days: \(named)\(lapsed.count > 5 ? " …" : ""); escalation has resumed"]
    }
}
