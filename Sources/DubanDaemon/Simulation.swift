public import DubanCore
import DubanStore
public import Foundation

/// Runs the planner over virtual time, slot after slot, against a private
/// in-memory database: what an ops team reads before going live to see
/// exactly what Duban will send, to whom and when.
public struct Simulation: Sendable {
    public var environment: Environment

    public init(environment: Environment) {
        self.environment = environment
    }

    public struct Entry: Sendable {
        public var at: Date
        public var message: PlannedMessage
        public var subject: String
        /// The digest a digest message carries (its figures).
        public var digest: Digest?
        /// The list a personal message carries.
        public var personal: PersonalList?
    }

    /// Said once when the timeline holds a digest.
    public static let digestFiguresNote = "digest figures are computed from the ledger as it is now, not as it will be on those days"

    public struct Result: Sendable {
        public var entries: [Entry]
        public var skipped: [(at: Date, skip: SkippedNotification)]
        public var warnings: [String]
    }

    /// Every message from `start` to `end` inclusive, in order. `downtime`
    /// windows are stretches when no pass runs (the daemon was stopped):
    /// the pass after one catches up.
    public func run(_ snapshot: LedgerSnapshot, from start: Date, to end: Date, downtime: [Range<Date>] = []) async throws -> Result {
        let database = try DubanDatabase.inMemory()
        // Nothing delivers this outbox: it holds subjects and envelopes, not MIME.
        let stage = PlanStage(environment: environment, archivesDigests: false, writesMail: false)
        var result = Result(entries: [], skipped: [], warnings: [])
        var now = start
        var warnings = Set<String>()
        var log = Set<NotificationIdentity>()
        // The snapshot does not change, so neither do the completions and
        // deadlines a first pass observes: observe them once, work out every
        // task's notices once, and walk that timeline slot by slot (the same
        // plans as asking the planner afresh at each slot, which is what made
        // a year of 10k tasks take seconds).
        var timeline: Planner.Timeline?
        while now <= end {
            if let down = downtime.first(where: { $0.contains(now) }) {
                now = down.upperBound
                continue
            }
            if timeline == nil {
                let today = environment.clock.date(of: now)
                let firstSeen = try await database.observeCompletions(snapshot, today: today)
                let dueDates = environment.planner.dueDates(snapshot)
                let changes = try await database.observeDeadlines(dueDates, today: today)
                let extensions = try await database.observeExtensions(snapshot, dueDates: dueDates, today: today)
                let loop = try await database.observeLoop(snapshot, dueDates: environment.planner.deadlineRecord(snapshot), today: today)
                timeline = environment.planner.timeline(snapshot, firstSeenCompleted: firstSeen, deadlineChanges: changes,
                                                        extensions: extensions, loop: loop,
                                                        days: today...max(today, environment.clock.date(of: end)))
            }
            let pass = try await stage.run(snapshot, database: database, now: now, log: log) { log, now in
                timeline!.plan(log: log, now: now)
            }
            let plan = pass.plan
            log.formUnion(plan.messages.flatMap(\.identities))
            log.formUnion(plan.skipped.map(\.identity))
            for message in plan.messages {
                // As the pass composed and queued it: the digest it built once
                // for this slot, the personal list it decided.
                let digest = pass.digests[message.id]
                if digest != nil, warnings.insert(Self.digestFiguresNote).inserted { result.warnings.append(Self.digestFiguresNote) }
                result.entries.append(Entry(at: now, message: message, subject: pass.subjects[message.id] ?? environment.subject(message),
                                            digest: digest, personal: pass.lists[message.id]))
                try await database.markSent(messageID: message.id, at: now)
            }
            result.skipped += plan.skipped.map { (now, $0) }
            for warning in plan.warnings where warnings.insert(warning).inserted { result.warnings.append(warning) }
            guard let next = plan.next else { break }
            // The planner promises a later instant; anything else is a bug, not a reason to spin.
            guard next > now else { throw SimulationError(message: "the planner returned a next instant that is not in the future") }
            now = next
        }
        return result
    }
}

public struct SimulationError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
