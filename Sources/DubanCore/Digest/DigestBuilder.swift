/// Computes a `Digest` from the ledger now and the ledger at the previous
/// digest. Pure: everything it needs is passed in.
public struct DigestBuilder: Sendable {
    public var planner: Planner
    /// A task whose progress text is the same in this week's ledger and in
    /// the ledgers of this many previous digests is yellow (`[digest] stale_weeks`).
    public var staleWeeks: Int

    public init(planner: Planner, staleWeeks: Int = 3) {
        self.planner = planner
        self.staleWeeks = staleWeeks
    }

    public struct Inputs: Sendable {
        public var snapshot: LedgerSnapshot
        public var previous: (week: ISOWeek, snapshot: LedgerSnapshot)?
        /// Highest escalation step sent per task (from the notification log).
        public var highestEscalation: [TaskID: Int]
        public var failedMail: Int
        /// The 台账异常, computed once on the whole ledger and its stored reads
        /// (a department's digest gets its share); nil: this read's own
        /// findings are computed here, with no history.
        public var ledgerAnomalies: [LedgerAnomaly]?
        /// The day of the oldest stored read the 台账异常 history covers.
        public var historySince: LocalDate?
        /// Stored reads left out of that history because they do not decode.
        public var undecodableReads = 0
        /// `[ledger] require_evidence`: a done task without 佐证材料 is an error.
        public var requireEvidence: Bool
        /// Notices sent per task, oldest first (from the notification log).
        public var notices: [TaskID: [Digest.Notice]]
        /// 整改进展 per task in the ledgers of previous digests, newest first.
        public var progressHistory: [[TaskID: String]]
        /// The figures of earlier archived weeks, oldest first.
        public var trend: [Digest.TrendPoint]

        /// When each pending extension request was first read (the store).
        public var extensions: Planner.ExtensionFacts
        /// Due-date changes seen in the digest's week (the store).
        public var deadlineChanges: [Digest.DeadlineChange]
        /// Escalation notices queued or sent per task (from the log): the
        /// digest counts only those, never the step number.
        public var escalationsSent: [TaskID: Int] = [:]
        /// Reopenings and first-seen acceptances (the store's status sightings).
        public var loop = Planner.LoopFacts()
        /// Tasks whose 约谈 notice is in the log as queued or sent.
        public var interviewed: Set<TaskID> = []

        public init(snapshot: LedgerSnapshot, previous: (week: ISOWeek, snapshot: LedgerSnapshot)? = nil,
                    highestEscalation: [TaskID: Int] = [:], failedMail: Int = 0,
                    ledgerAnomalies: [LedgerAnomaly]? = nil, historySince: LocalDate? = nil, requireEvidence: Bool = false,
                    notices: [TaskID: [Digest.Notice]] = [:], progressHistory: [[TaskID: String]] = [], trend: [Digest.TrendPoint] = [],
                    extensions: Planner.ExtensionFacts = .init(), deadlineChanges: [Digest.DeadlineChange] = []) {
            self.snapshot = snapshot
            self.previous = previous
            self.highestEscalation = highestEscalation
            self.failedMail = failedMail
            self.ledgerAnomalies = ledgerAnomalies
            self.historySince = historySince
            self.requireEvidence = requireEvidence
            self.notices = notices
            self.progressHistory = progressHistory
            self.trend = trend
            self.extensions = extensions
            self.deadlineChanges = deadlineChanges
        }
    }

    /// 长期坚持 (`RectificationTask.isStanding`: by status, or an open task whose
    /// deadline is 长期坚持): left out of every rate, here and in the stage report.
    public static func isStanding(_ task: RectificationTask) -> Bool {
        task.isStanding
    }

    public func build(week: ISOWeek, today: LocalDate, _ inputs: Inputs) -> Digest {
        let snapshot = inputs.snapshot
        let problems = Dictionary(snapshot.problems.map { ($0.number, $0.description) }, uniquingKeysWith: { first, _ in first })
        var rows = snapshot.tasks.map { task in
            row(task, today: today, problems: problems, escalation: inputs.highestEscalation[task.id], notices: inputs.notices[task.id] ?? [],
                stale: isStale(task, history: inputs.progressHistory))
        }
        for index in rows.indices { rows[index].escalationsSent = inputs.escalationsSent[snapshot.tasks[index].id] }

        var counts = Digest.Counts(problems: 0, tasks: rows.count, notStarted: 0, inProgress: 0, completed: 0, accepted: 0, closed: 0,
                                   ongoing: 0, standing: 0, done: 0, overdue: 0, problemsMeasured: 0, problemsRectified: 0,
                                   problemRectificationRate: 0, completionRate: 0, doneJudged: 0, doneOnTime: 0, lateDone: 0)
        // By index, fields read in place: `for row in rows` copied each row
        // (a dozen strings retained and released) at every loop over 100k tasks.
        for index in rows.indices {
            switch rows[index].status {
            case .notStarted: counts.notStarted += 1
            case .inProgress: counts.inProgress += 1
            case .completed: counts.completed += 1
            case .accepted: counts.accepted += 1
            case .closed: counts.closed += 1
            case .ongoing: counts.ongoing += 1
            }
            if rows[index].status.isDone { counts.done += 1 }
            if rows[index].standing { counts.standing += 1 }
            if rows[index].light == .red { counts.overdue += 1 }
        }
        let whole = Self.figures(rows, today: today)
        counts.completionRate = whole.completionRate
        counts.doneJudged = whole.judged
        counts.doneOnTime = whole.onTime
        counts.onTimeRate = whole.onTimeRate
        counts.lateDone = whole.lateDone
        counts.averageDaysLateDone = whole.averageDaysLateDone
        counts.averageDaysOverdue = whole.averageDaysOverdue
        counts.averageDaysLate = whole.averageDaysLate

        // Problems in ledger order, then any number only tasks mention (as the
        // stage report); per problem only whether it has measured tasks and
        // whether all are done.
        var problemIndex: [String: Int] = [:]
        var problemState: [(measured: Bool, allDone: Bool)] = []
        for problem in snapshot.problems where problemIndex[problem.number] == nil {
            problemIndex[problem.number] = problemState.count
            problemState.append((false, true))
        }
        for index in rows.indices {
            let position: Int
            if let known = problemIndex[rows[index].problem] {
                position = known
            } else {
                position = problemState.count
                problemIndex[rows[index].problem] = position
                problemState.append((false, true))
            }
            guard !rows[index].standing else { continue }
            problemState[position].measured = true
            if !rows[index].status.isDone { problemState[position].allDone = false }
        }
        counts.problems = problemState.count
        for state in problemState where state.measured {
            counts.problemsMeasured += 1
            if state.allDone { counts.problemsRectified += 1 }
        }
        counts.problemRectificationRate = Self.rate(done: counts.problemsRectified, of: counts.problemsMeasured)

        if let previous = inputs.previous {
            let rate = trendPoint(week: previous.week, snapshot: previous.snapshot, today: today).completionRate
            counts.previousCompletionRate = rate
            counts.completionRateChange = ((counts.completionRate - rate) * 10).rounded() / 10
        }

        let lights = Digest.Lights(red: rows.count { $0.light == .red }, yellow: rows.count { $0.light == .yellow },
                                   blue: rows.count { $0.light == .blue })

        // Lists chosen and sorted as indices, rows copied once into each.
        func list(_ keep: (Digest.TaskRow) -> Bool, by daysLeft: (Int?) -> Int) -> [Digest.TaskRow] {
            let chosen = rows.indices.filter { keep(rows[$0]) }
            return chosen.sorted { (daysLeft(rows[$0].daysLeft), rows[$0].id) < (daysLeft(rows[$1].daysLeft), rows[$1].id) }.map { rows[$0] }
        }
        func isOpen(_ row: Digest.TaskRow) -> Bool { !row.status.isDone && !row.standing }
        let overdue = list({ isOpen($0) && $0.light == .red }, by: { $0 ?? 0 })
        let dueSoon = list({ isOpen($0) && ($0.daysLeft ?? -1) >= 0 && $0.daysLeft! <= 30 }, by: { $0! })
        let yellow = list({ $0.light == .yellow }, by: { $0 ?? Int.max })
        var checkpoints: [Digest.CheckpointRow] = []
        for task in snapshot.tasks where !task.status.isDone {
            for checkpoint in task.checkpoints where (0...30).contains(today.days(until: checkpoint.date)) {
                checkpoints.append(.init(task: task.id.rawValue, date: checkpoint.date, label: checkpoint.label,
                                         department: task.department, officer: task.officer?.name ?? ""))
            }
        }
        checkpoints.sort { ($0.date, $0.task) < ($1.date, $1.task) }

        var unreachable: [UnreachablePerson] = []
        var unreachableSeen = Set<UnreachablePerson>()
        for task in snapshot.tasks {
            for (role, contact) in [(PersonRole.officer, task.officer), (.leader, task.leader)] {
                guard let contact, contact.email == nil else { continue }
                let person = UnreachablePerson(role: role, name: contact.name)
                if unreachableSeen.insert(person).inserted { unreachable.append(person) }
            }
        }
        let anomalies = inputs.ledgerAnomalies
            ?? LedgerAudit.findings(snapshot, history: nil, today: today, requireEvidence: inputs.requireEvidence)
        let quality = Digest.Quality(
            unreadableDeadlines: snapshot.tasks.indices.filter { index in
                !snapshot.tasks[index].status.isDone && [.unparsed, .missing].contains(snapshot.tasks[index].deadline.kind)
            }.map { rows[$0] },
            unreachablePeople: unreachable,
            missingCalendarYears: planner.calendar.missingYears(today.year...today.adding(days: 61).year),
            failedMail: inputs.failedMail,
            // Counted as `check` counts them: the reader's errors and the 台账异常 that are errors.
            ledgerErrors: snapshot.diagnostics.errorCount + anomalies.count { $0.severity == .error },
            ledgerAnomalies: anomalies, historySince: inputs.historySince, undecodableReads: inputs.undecodableReads)

        var trend = inputs.trend.filter { $0.week < week }
        trend.append(Digest.TrendPoint(week: week, completionRate: counts.completionRate, overdue: counts.overdue))

        var digest = Digest(
            week: week, today: today, previousWeek: inputs.previous?.week, counts: counts, lights: lights,
            // A blank department or leader is the group "": the composer words it in the reader's language.
            departments: Self.groups(rows, today: today, by: \.department),
            leaders: Self.groups(rows, today: today, by: \.leader),
            overdue: overdue,
            yellow: yellow,
            dueIn7Days: dueSoon.filter { $0.daysLeft! <= 7 },
            dueIn8To30Days: dueSoon.filter { $0.daysLeft! > 7 && $0.daysLeft! <= 30 },
            checkpoints: checkpoints,
            acceptancePending: rows.indices.filter { rows[$0].status == .completed }.map { rows[$0] },
            lookBacksDue: rows.indices.filter { rows[$0].lookBackOn.map { (-7...30).contains(today.days(until: $0)) } ?? false }.map { rows[$0] },
            changes: inputs.previous.map { changes(from: $0.snapshot, to: snapshot, rows: rows, today: today, problems: problems,
                                                   reopened: Set(inputs.loop.reopened.keys)) },
            quality: quality, trend: trend, tasks: rows)
        digest.staleWeeks = staleWeeks
        addPeriodicSections(to: &digest, inputs, today: today)
        (digest.rebounds, digest.interviewsProposed) = loopSections(snapshot, rows: rows, inputs)
        return digest
    }

    /// 反弹 and 拟约谈 (README, "Weekly digest").
    func loopSections(_ snapshot: LedgerSnapshot, rows: [Digest.TaskRow], _ inputs: Inputs) -> ([Digest.ReboundRow], [Digest.TaskRow]) {
        var rebounds: [Digest.ReboundRow] = []
        var interviews: [Digest.TaskRow] = []
        // By index: a `zip` of tasks and rows copied both (every string retained) for each of 100k tasks.
        for index in snapshot.tasks.indices {
            let status = snapshot.tasks[index].status
            let open = status == .notStarted || status == .inProgress
            if open, !inputs.loop.reopened.isEmpty, let reopening = inputs.loop.reopened[snapshot.tasks[index].id] {
                let task = snapshot.tasks[index]
                rebounds.append(.init(task: rows[index], closedOn: task.closedOn ?? reopening.since, was: reopening.from,
                                      reopenedOn: reopening.on, lookBackResult: task.lookBackResult, lookBackOn: task.lookBackOn))
            } else if status.isDone, let result = snapshot.tasks[index].lookBackResult, result.isRebound {
                rebounds.append(.init(task: rows[index], closedOn: snapshot.tasks[index].closedOn, was: nil, reopenedOn: nil,
                                      lookBackResult: result, lookBackOn: snapshot.tasks[index].lookBackOn))
            }
            if open, !inputs.interviewed.isEmpty, inputs.interviewed.contains(snapshot.tasks[index].id) { interviews.append(rows[index]) }
        }
        return (rebounds, interviews)
    }

    /// The completion rate and overdue count of an archived week's ledger, as
    /// its digest computed them on `today` (the day the snapshot was taken).
    public func trendPoint(week: ISOWeek, snapshot: LedgerSnapshot, today: LocalDate) -> Digest.TrendPoint {
        var done = 0, measured = 0, overdue = 0
        for task in snapshot.tasks {
            let standing = Self.isStanding(task)
            if !standing {
                measured += 1
                if task.status.isDone { done += 1 }
                else if let due = planner.dueDate(task), due < today { overdue += 1 }
            }
        }
        return Digest.TrendPoint(week: week, completionRate: Self.rate(done: done, of: measured), overdue: overdue)
    }

    /// True when the task is open and its progress text is the same now and
    /// in each of the last `staleWeeks` digests' ledgers.
    func isStale(_ task: RectificationTask, history: [[TaskID: String]]) -> Bool {
        guard staleWeeks > 0, history.count >= staleWeeks, !task.status.isDone, !Self.isStanding(task) else { return false }
        return history.prefix(staleWeeks).allSatisfy { $0[task.id] == task.progress }
    }

    /// The day a done task was completed, as far as the ledger tells: its
    /// 完成日期, else its 验收日期, else its 销号日期.
    static func completionDay(_ row: Digest.TaskRow) -> LocalDate? {
        row.completedOn ?? row.acceptedOn ?? row.closedOn
    }

    struct Figures {
        var completionRate: Double
        var judged: Int
        var onTime: Int
        var onTimeRate: Double?
        var lateDone: Int
        var averageDaysLateDone: Double?
        var averageDaysOverdue: Double?
        var averageDaysLate: Double?
    }

    /// The rates of a set of rows, added up one row at a time; standing
    /// tasks are left out of all of them.
    struct Tally {
        var measured = 0, done = 0, judged = 0, onTime = 0, lateDone = 0, daysLateDone = 0, overdueOpen = 0, daysOverdue = 0
        var tasks = 0, doneAll = 0, overdue = 0

        mutating func add(_ row: Digest.TaskRow, today: LocalDate) {
            tasks += 1
            if row.status.isDone { doneAll += 1 }
            if row.light == .red { overdue += 1 }
            guard !row.standing else { return }
            measured += 1
            if row.status.isDone {
                done += 1
                if let due = row.dueDate, let finished = completionDay(row) {
                    judged += 1
                    let days = due.days(until: finished)
                    if days <= 0 { onTime += 1 } else { lateDone += 1; daysLateDone += days }
                }
            } else if let due = row.dueDate, due < today {
                overdueOpen += 1
                daysOverdue += due.days(until: today)
            }
        }

        var figures: Figures {
            func mean(_ days: Int, _ count: Int) -> Double? { count > 0 ? (Double(days) / Double(count) * 10).rounded() / 10 : nil }
            return Figures(completionRate: rate(done: done, of: measured), judged: judged, onTime: onTime,
                           onTimeRate: judged > 0 ? rate(done: onTime, of: judged) : nil, lateDone: lateDone,
                           averageDaysLateDone: mean(daysLateDone, lateDone), averageDaysOverdue: mean(daysOverdue, overdueOpen),
                           averageDaysLate: mean(daysLateDone + daysOverdue, lateDone + overdueOpen))
        }
    }

    static func figures(_ rows: [Digest.TaskRow], today: LocalDate) -> Figures {
        var tally = Tally()
        for index in rows.indices { tally.add(rows[index], today: today) }
        return tally.figures
    }

    /// Rows grouped by `key`, most overdue first, then in ledger order.
    static func groups(_ rows: [Digest.TaskRow], today: LocalDate, by key: KeyPath<Digest.TaskRow, String>) -> [Digest.GroupRow] {
        var position: [String: Int] = [:]
        var names: [String] = []
        var tallies: [Tally] = []
        for index in rows.indices {
            let name = rows[index][keyPath: key]
            let at: Int
            if let known = position[name] {
                at = known
            } else {
                at = names.count
                position[name] = at
                names.append(name)
                tallies.append(Tally())
            }
            tallies[at].add(rows[index], today: today)
        }
        let groups = zip(names, tallies).map { name, tally -> Digest.GroupRow in
            let figures = tally.figures
            return Digest.GroupRow(name: name, tasks: tally.tasks, done: tally.doneAll, overdue: tally.overdue,
                                   completionRate: figures.completionRate, onTimeRate: figures.onTimeRate)
        }
        return groups.enumerated().sorted { ($1.element.overdue, $0.offset) < ($0.element.overdue, $1.offset) }.map(\.element)
    }

    func row(_ task: RectificationTask, today: LocalDate, problems: [String: String], escalation: Int?,
             notices: [Digest.Notice] = [], stale: Bool = false) -> Digest.TaskRow {
        let due = planner.dueDate(task)
        let daysLeft = due.map { today.days(until: $0) }
        let standing = Self.isStanding(task)
        let open = !task.status.isDone && !standing
        var reasons: [Digest.YellowReason] = []
        if open, let daysLeft, (0...7).contains(daysLeft) { reasons.append(.dueSoon) }
        if open, task.status == .notStarted, task.checkpoints.contains(where: { $0.date < today }) { reasons.append(.checkpointPassed) }
        if stale { reasons.append(.progressStale) }
        var light = Digest.Light.none
        if task.status.isDone {
            light = .blue
        } else if open, let daysLeft, daysLeft < 0 {
            light = .red
            reasons = []
        } else if !reasons.isEmpty {
            light = .yellow
        }
        let lookBack = task.status == .closed ? task.closedOn.map { planner.calendar.onOrAfter($0.adding(months: planner.policy.lookBackMonths)) } : nil
        return Digest.TaskRow(
            id: task.id.rawValue, problem: task.problemNumber, problemDescription: problems[task.problemNumber] ?? "",
            measure: task.measure, department: task.department, officer: task.officer?.name ?? "", leader: task.leader?.name ?? "",
            deadline: due?.description ?? task.deadlineText, deadlineText: task.deadlineText, dueDate: due, deadlineKind: task.deadline.kind,
            checkpoints: task.checkpoints.map { "\($0.date) \($0.label)".trimmingCharacters(in: .whitespaces) }.joined(separator: "；"),
            acceptanceCriterion: task.acceptanceCriterion, progress: task.progress, evidence: task.evidence, remarks: task.remarks,
            standing: standing, daysLeft: daysLeft, status: task.status, light: light,
            highestEscalationStep: escalation,
            completedOn: task.completedOn, acceptedOn: task.acceptedOn, closedOn: task.closedOn, lookBackOn: lookBack,
            yellowReasons: light == .yellow ? reasons : [], noticesSent: notices.count, lastNotice: notices.last?.on,
            notices: light == .red ? notices : [])
    }

    func changes(from before: LedgerSnapshot, to after: LedgerSnapshot, rows: [Digest.TaskRow], today: LocalDate,
                 problems: [String: String], reopened seen: Set<TaskID> = []) -> Digest.Changes {
        // Positions, not copies of the earlier tasks (each copy retains a dozen strings).
        var old: [TaskID: Int] = [:]
        old.reserveCapacity(before.tasks.count)
        for index in before.tasks.indices where old[before.tasks[index].id] == nil { old[before.tasks[index].id] = index }
        let new = Set(after.tasks.map(\.id))
        var result = Digest.Changes(newlyCompleted: [], newlyClosed: [], newlyOverdue: [], deadlinesMoved: [], added: [], removed: [])
        for index in after.tasks.indices {
            let task = after.tasks[index], row = rows[index]
            guard let position = old[task.id] else { result.added.append(row); continue }
            let was = before.tasks[position]
            if task.status.isDone && !was.status.isDone && task.status != .closed { result.newlyCompleted.append(row) }
            if task.status == .closed && was.status != .closed { result.newlyClosed.append(row) }
            let wasDue = planner.dueDate(was)
            let wasOverdue = !was.status.isDone && !Self.isStanding(was) && (wasDue.map { $0 < today.adding(days: -7) } ?? false)
            if row.light == .red && !wasOverdue { result.newlyOverdue.append(row) }
            // A task accepted or closed and open again is a 反弹 (its own section), not a moved deadline.
            let open = task.status == .notStarted || task.status == .inProgress
            let reopened = open && (was.status == .accepted || was.status == .closed || seen.contains(task.id))
            if !reopened, wasDue != planner.dueDate(task) || (wasDue == nil && was.deadlineText != task.deadlineText) {
                result.deadlinesMoved.append(.init(task: task.id.rawValue, measure: task.measure,
                                                   from: wasDue?.description ?? was.deadlineText, to: row.deadline))
            }
        }
        for task in before.tasks where !new.contains(task.id) {
            result.removed.append(row(task, today: today, problems: problems, escalation: nil))
        }
        return result
    }

    static func rate(done: Int, of total: Int) -> Double {
        guard total > 0 else { return 0 }
        return (Double(done) / Double(total) * 1000).rounded() / 10
    }
}
