/// The digest's 延期 and 长期坚持 sections, and the one 台账异常 finding that
/// needs extension knowledge.
extension Digest {
    /// One extension request or grant.
    public struct ExtensionRow: Sendable, Codable, Equatable {
        public var task: String
        public var measure: String
        public var department: String
        public var officer: String
        /// The 整改时限 as the ledger has it (the original date).
        public var originalDeadline: String
        /// 延期至: asked for (pending) or granted.
        public var newDeadline: LocalDate?
        /// 延期批准人 (empty while pending).
        public var approver: String
        /// 延期原因.
        public var reason: String
        /// Pending: the first read that showed the request.
        public var requestedOn: LocalDate?
        /// Pending: the day the request stops pausing escalation.
        public var pauseEndsOn: LocalDate?
        /// Pending longer than `[extension] max_pending_days`: escalation has resumed.
        public var escalationResumed: Bool
    }

    public struct StandingRow: Sendable, Codable, Equatable {
        public var task: String
        public var measure: String
        public var department: String
        public var officer: String
        public var leader: String
        /// Nil: no readable cadence (reported by `check`).
        public var cadence: StandingCadence?
        /// The end of the period running today.
        public var periodEnd: LocalDate?
        public var lastExecutedOn: LocalDate?
        public var state: Planner.StandingState
    }

    /// A due date that changed between two reads of the ledger.
    public struct DeadlineChange: Sendable, Codable, Equatable {
        public var task: String
        public var from: LocalDate
        public var to: LocalDate
        /// The day the read that showed the change happened.
        public var seenOn: LocalDate
        /// 延期批准人 of the approved extension that made it; nil: unapproved.
        public var approver: String?

        public init(task: String, from: LocalDate, to: LocalDate, seenOn: LocalDate, approver: String?) {
            self.task = task
            self.from = from
            self.to = to
            self.seenOn = seenOn
            self.approver = approver
        }
    }
}

extension DigestBuilder {
    /// Fills the 延期 and 长期坚持 sections and the unapproved changes.
    func addPeriodicSections(to digest: inout Digest, _ inputs: Inputs, today: LocalDate) {
        let snapshot = inputs.snapshot
        for task in snapshot.tasks {
            guard let request = task.deadlineExtension else { continue }
            var row = Digest.ExtensionRow(
                task: task.id.rawValue, measure: task.measure, department: task.department, officer: task.officer?.name ?? "",
                originalDeadline: task.deadline.date?.description ?? task.deadlineText, newDeadline: request.newDeadline,
                approver: request.approver, reason: request.reason, requestedOn: nil, pauseEndsOn: nil, escalationResumed: false)
            if request.isApproved {
                digest.approvedExtensions.append(row)
            } else if request.isPending, !task.status.isDone {
                let since = inputs.extensions.pendingSince[task.id] ?? today
                let ends = planner.pauseEnds(since: since)
                row.requestedOn = since
                row.pauseEndsOn = ends
                row.escalationResumed = today >= ends
                digest.pendingExtensions.append(row)
            }
        }
        for task in snapshot.tasks where task.isStanding {
            digest.standingMeasures.append(Digest.StandingRow(
                task: task.id.rawValue, measure: task.measure, department: task.department, officer: task.officer?.name ?? "",
                leader: task.leader?.name ?? "", cadence: task.cadence,
                periodEnd: task.cadence?.period(containing: today).upperBound, lastExecutedOn: task.lastExecutedOn,
                state: planner.standingState(task, today: today)))
        }
        // Most weeks see no change: no table of every task (copied) for none.
        guard inputs.deadlineChanges.contains(where: { $0.approver == nil }) else { return }
        var tasks: [String: Int] = [:]
        for index in snapshot.tasks.indices where tasks[snapshot.tasks[index].id.rawValue] == nil { tasks[snapshot.tasks[index].id.rawValue] = index }
        digest.unapprovedDeadlineChanges = inputs.deadlineChanges.filter { $0.approver == nil && tasks[$0.task] != nil }
        // Shown under 台账异常 with the other findings.
        digest.quality.ledgerAnomalies += digest.unapprovedDeadlineChanges.map { change in
            let task = snapshot.tasks[tasks[change.task]!]
            return LedgerAnomaly.unapprovedDeadlineChange(task, from: change.from, to: change.to, seenOn: change.seenOn,
                                                          at: snapshot.location(task.source, .deadline))
        }
    }
}

extension LedgerAnomaly {
    /// The 台账异常 that needs extension knowledge: `task`'s due date was
    /// `from` at one read and `to` at the next (seen `seenOn`), and no
    /// approved extension gives `to`.
    public static func unapprovedDeadlineChange(_ task: RectificationTask, from: LocalDate, to: LocalDate, seenOn: LocalDate,
                                                at location: SourceLocation) -> LedgerAnomaly {
        LedgerAnomaly(.unapprovedDeadlineChange, .warning, task: task.id, measure: task.measure, department: task.department, at: location,
                      "整改时限 changed from \(from) to \(to) (seen \(seenOn)) with no approved extension; expected 延期至 and 延期批准人 for a new deadline")
    }
}
