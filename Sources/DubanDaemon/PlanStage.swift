public import DubanCore
import DubanMail
public import DubanStore
public import Foundation

/// One pass of the pipeline up to the outbox:
/// LoadLedger → Plan → Dedup (the log) → Render → Enqueue.
/// Delivery from the outbox is `DeliverStage`.
public struct PlanStage: Sendable {
    public var environment: Environment
    /// See `DigestStage.archives`.
    public var archivesDigests: Bool

    public init(environment: Environment, archivesDigests: Bool = true) {
        self.environment = environment
        self.archivesDigests = archivesDigests
    }

    /// Plans at `now` against the database's log, renders what is due and
    /// queues it. Returns the plan that was carried out. `log`, when given,
    /// is the caller's up-to-date copy of the database's log (a simulation
    /// keeps one rather than re-reading it at every slot).
    @discardableResult
    public func run(_ snapshot: LedgerSnapshot, database: DubanDatabase, now: Date,
                    log: Set<NotificationIdentity>? = nil) throws -> Planner.Plan {
        let today = environment.clock.date(of: now)
        let firstSeen = try database.observeCompletions(snapshot, today: today)
        let logged = try log ?? database.loggedIdentities()
        var plan = environment.planner.plan(snapshot, log: logged, firstSeenCompleted: firstSeen, now: now)
        var mails = try render(plan.messages, snapshot: snapshot, database: database)
        let digest = try DigestStage(environment: environment, archives: archivesDigests).run(snapshot, database: database, now: now, log: logged)
        mails += digest.mails
        plan.messages += digest.mails.map(\.message)
        plan.skipped += digest.skipped
        if let next = digest.next { plan.next = min(plan.next ?? next, next) }
        if !mails.isEmpty || !plan.skipped.isEmpty {
            try database.queue(mails, skipped: plan.skipped, at: now)
        }
        return plan
    }

    /// Renders messages into the exact bytes that will go out.
    func render(_ messages: [PlannedMessage], snapshot: LedgerSnapshot, database: DubanDatabase) throws -> [OutgoingMail] {
        let problems = Dictionary(snapshot.problems.map { ($0.number, $0) }, uniquingKeysWith: { first, _ in first })
        let escalated = messages.filter { $0.kind == .escalation }.flatMap { $0.items.map(\.identity.task) }
        var earlier: [TaskID: [Composer.EarlierNotice]] = [:]
        for (task, notices) in try database.earlierNotices(for: escalated) {
            earlier[task] = notices.map { Composer.EarlierNotice(identity: $0.identity, at: $0.at) }
        }
        let context = Composer.Context(problems: problems, earlier: earlier)
        return messages.map { message in
            let mail = environment.composer.compose(message, context: context)
            return OutgoingMail(message: message, subject: mail.subject, sender: mail.from.email ?? "",
                                recipients: mail.envelopeRecipients, mime: MIMEWriter.write(mail))
        }
    }
}
