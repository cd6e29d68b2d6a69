public import Foundation

extension Planner {
    /// Everything the planner knows about tasks beyond the ledger and the
    /// log, as the state database recorded it over earlier reads. A pass
    /// records and reads them in one step; `preview` and the console read
    /// them without recording (see `DubanDatabase.plannerFacts`), so all
    /// three plan from the same facts.
    public struct Facts: Sendable, Equatable {
        public var firstSeenCompleted: FirstSeenCompleted
        public var deadlineChanges: DeadlineChanges
        public var extensions: ExtensionFacts
        public var loop: LoopFacts

        public init(firstSeenCompleted: FirstSeenCompleted = [:], deadlineChanges: DeadlineChanges = [:],
                    extensions: ExtensionFacts = .init(), loop: LoopFacts = .init()) {
            self.firstSeenCompleted = firstSeenCompleted
            self.deadlineChanges = deadlineChanges
            self.extensions = extensions
            self.loop = loop
        }
    }

    /// `plan` with the facts as one value.
    public func plan(_ snapshot: LedgerSnapshot, log: Set<NotificationIdentity>, facts: Facts, now: Date) -> Plan {
        plan(snapshot, log: log, firstSeenCompleted: facts.firstSeenCompleted, deadlineChanges: facts.deadlineChanges,
             extensions: facts.extensions, loop: facts.loop, now: now)
    }
}
