extension Planner {
    /// What Duban does next about a task, and on which working day: the
    /// earliest notification the task can still have that is not in `log`
    /// and not due before `today`. Nil when nothing is left (done, 长期坚持,
    /// no readable deadline, or every step already decided).
    public func nextNotice(for task: RectificationTask, log: Set<NotificationIdentity>, today: LocalDate)
        -> (identity: NotificationIdentity, day: LocalDate)? {
        var memo = Memo()
        return nextNotice(for: task, log: log, today: today, memo: &memo)
    }

    /// `nextNotice` with the caller's memo, shared across the tasks of one
    /// ledger (a personal-list pass asks for every open task).
    func nextNotice(for task: RectificationTask, log: Set<NotificationIdentity>, today: LocalDate, memo: inout Memo)
        -> (identity: NotificationIdentity, day: LocalDate)? {
        var best: (identity: NotificationIdentity, day: LocalDate)?
        forEachCandidate(task, firstSeenCompleted: [:], memo: &memo) { identity, day in
            guard !log.contains(identity), day >= today else { return }
            if best.map({ (day, identity) < ($0.day, $0.identity) }) ?? true { best = (identity, day) }
        }
        return best
    }
}
