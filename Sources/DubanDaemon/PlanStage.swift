public import DubanCore
import DubanMail
public import DubanStore
public import Foundation

/// One pass of the pipeline up to the outbox:
/// LoadLedger → Plan → Dedup (the log) → Render → Enqueue → (archive the digest).
/// Delivery from the outbox is `DeliverStage`.
public struct PlanStage: Sendable {
    public var environment: Environment
    /// See `DigestStage.archives`.
    public var archivesDigests: Bool
    /// See `DigestStage.writesMail`: false only for a simulation's private outbox.
    public var writesMail: Bool

    public init(environment: Environment, archivesDigests: Bool = true, writesMail: Bool = true) {
        self.environment = environment
        self.archivesDigests = archivesDigests
        self.writesMail = writesMail
    }

    /// Plans at `now` against the database's log, renders what is due and
    /// queues it. Returns the plan that was carried out. `log`, when given,
    /// is the caller's up-to-date copy of the database's log (a simulation
    /// keeps one rather than re-reading it at every slot).
    ///
    /// The digest archive is written after everything is queued; when it
    /// fails, the plan carries a warning starting with
    /// `DigestStage.archiveWarningPrefix` and nothing else is affected.
    @discardableResult
    public func run(_ snapshot: LedgerSnapshot, database: any StateStore, now: Date,
                    log: Set<NotificationIdentity>? = nil) async throws -> Planner.Plan {
        do {
            return try await pass(snapshot, database: database, now: now, log: log, planning: nil).plan
        } catch let error as StoreError where error.code == .alreadyRecorded && log == nil {
            // Another process (a `run --once` beside the daemon) queued the
            // same notices between our reading the log and writing to it:
            // plan again against the log as it is now.
            return try await pass(snapshot, database: database, now: now, log: nil, planning: nil).plan
        }
    }

    /// Plans what is due at a moment, given the log.
    public typealias Planning = (_ log: Set<NotificationIdentity>, _ now: Date) -> Planner.Plan

    /// A pass whose plan comes from `planning` rather than from the planner
    /// asked afresh: a simulation walks a `Planner.Timeline` made once for
    /// its fixed snapshot, from the completions and deadlines it observed
    /// once (they cannot change while the snapshot does not), so they are not
    /// observed again here. Everything after planning is the same as `run`.
    /// Returns, beside the plan, what the pass rendered (see `Pass`).
    public func run(_ snapshot: LedgerSnapshot, database: any StateStore, now: Date,
                    log: Set<NotificationIdentity>, planning: @escaping Planning) async throws -> Pass {
        try await pass(snapshot, database: database, now: now, log: log, planning: planning)
    }

    /// A pass as a dry run shows it: the plan carried out, each queued
    /// message's subject as composed, and the digest or personal list a
    /// message carries — all by message id, so a simulation need not build
    /// or render any of them a second time.
    public struct Pass: Sendable {
        public var plan: Planner.Plan
        public var subjects: [String: String]
        public var digests: [String: Digest]
        public var lists: [String: PersonalList]
    }

    private func pass(_ snapshot: LedgerSnapshot, database: any StateStore, now: Date,
                      log: Set<NotificationIdentity>?, planning: Planning?) async throws -> Pass {
        let today = environment.clock.date(of: now)
        try await TaskIDUpgrade.adopt(current: snapshot, database: database)
        let logged: Set<NotificationIdentity>
        if let log { logged = log } else { logged = try await database.loggedIdentities() }
        var plan: Planner.Plan
        var loop = Planner.LoopFacts()
        if let planning {
            plan = planning(logged, now)
            if plan.messages.contains(where: { $0.kind == .rebound || $0.kind == .closure }) {
                // The caller observed the loop once; read it back for the mail text.
                loop = try await database.loopFacts(snapshot, dueDates: environment.planner.deadlineRecord(snapshot), today: today)
            }
        } else {
            let facts = try await database.observePlannerFacts(snapshot, planner: environment.planner, today: today)
            loop = facts.loop
            plan = environment.planner.plan(snapshot, log: logged, facts: facts, now: now)
        }
        var mails = try await render(plan.messages, snapshot: snapshot, database: database,
                                     trail: Trail(skipped: plan.skipped, logged: logged, loop: loop))
        let digestStage = DigestStage(environment: environment, archives: archivesDigests, writesMail: writesMail)
        let digest = try await digestStage.run(snapshot, database: database, now: now, log: logged)
        mails += digest.mails
        plan.messages += digest.mails.map(\.message)
        plan.skipped += digest.skipped
        if let next = digest.next { plan.next = min(plan.next ?? next, next) }
        let personalStage = PersonalStage(environment: environment)
        let personal = personalStage.due(snapshot, now: now, log: logged)
        mails += writesMail ? personalStage.mails(personal.due)
            : personal.due.map { .unwritten($0.message, subject: personalStage.subject($0), from: environment.composer.from) }
        plan.messages += personal.due.map(\.message)
        let subjects = Dictionary(mails.map { ($0.message.id, $0.subject) }, uniquingKeysWith: { first, _ in first })
        let lists = Dictionary(personal.due.map { ($0.message.id, $0.list) }, uniquingKeysWith: { first, _ in first })
        if let next = personal.next { plan.next = min(plan.next ?? next, next) }
        if !mails.isEmpty || !plan.skipped.isEmpty {
            try await database.queue(mails, skipped: plan.skipped, at: now)
        }
        // The daemon logs plan warnings: a history with holes is said, not silent.
        if let queued = digest.digest, queued.quality.undecodableReads > 0 {
            plan.warnings.append("digest \(queued.week): \(queued.quality.undecodableReads) stored reads could not be decoded and are left out of the 台账异常 history")
        }
        if archivesDigests, let queued = digest.digest {
            do {
                _ = try digestStage.archive(queued)
            } catch {
                plan.warnings.append("\(DigestStage.archiveWarningPrefix) for \(queued.week) (the digest itself is queued): \(error); once fixed, `duban digest --week \(queued.week)` writes it")
            }
        }
        return Pass(plan: plan, subjects: subjects, digests: digest.carried, lists: lists)
    }

    /// What this pass knows beyond the messages: what it skipped, what the
    /// log held before it, and the loop's facts (for a truthful trail).
    struct Trail {
        var skipped: [SkippedNotification] = []
        var logged: Set<NotificationIdentity> = []
        var loop = Planner.LoopFacts()
    }

    /// Renders messages into the exact bytes that will go out.
    func render(_ messages: [PlannedMessage], snapshot: LedgerSnapshot, database: any StateStore, trail: Trail = Trail()) async throws -> [OutgoingMail] {
        let problems = Dictionary(snapshot.problems.map { ($0.number, $0) }, uniquingKeysWith: { first, _ in first })
        // Earlier notices: only what the log shows as sent (or still going out), never a step number.
        let escalated = messages.filter { $0.kind == .escalation || $0.kind == .interview }.flatMap { $0.items.map(\.identity.task) }
        let sent = try await database.sentNotices(for: escalated)
        var earlier: [TaskID: [Composer.EarlierNotice]] = [:]
        for (task, notices) in sent {
            earlier[task] = notices.map { Composer.EarlierNotice(identity: $0.identity, at: $0.at) }
        }
        let interviewed = messages.filter { $0.kind == .interview }.flatMap { $0.items.map(\.identity.task) }
        var dossiers: [TaskID: Composer.Dossier] = [:]
        for (task, deadlines) in try await database.deadlineHistory(for: interviewed) {
            dossiers[task] = Composer.Dossier(notices: [], deadlines: deadlines.map { ($0.deadline, $0.seenOn) })
        }
        for task in interviewed {
            dossiers[task, default: Composer.Dossier(notices: [], deadlines: [])].notices = sent[task] ?? []
        }
        let context = Composer.Context(problems: problems, earlier: earlier, skipped: Dictionary(grouping: trail.skipped, by: \.identity.task),
                                       logged: trail.logged, loop: trail.loop, dossiers: dossiers)
        return messages.map { message in
            guard writesMail else { return .unwritten(message, subject: environment.composer.subject(message, context: context), from: environment.composer.from) }
            let mail = environment.composer.compose(message, context: context)
            return OutgoingMail(message: message, subject: mail.subject, sender: mail.from.email ?? "",
                                recipients: mail.envelopeRecipients, mime: MIMEWriter.write(mail))
        }
    }
}

extension OutgoingMail {
    /// A message as a simulation queues it into its private, in-memory
    /// outbox, which nothing delivers or reads the MIME of: the subject the
    /// composed mail has (the composer's subject function, the one rendering
    /// of it), its sender and envelope — worked out by the same `MailMessage`
    /// — and no body. Rendering every reminder's body and each week's digest
    /// mail with its workbook of every task was most of a simulated year.
    static func unwritten(_ message: PlannedMessage, subject: String, from: Contact) -> OutgoingMail {
        let headers = MailMessage(from: from, to: message.to, cc: message.cc, subject: subject, date: message.slot, messageID: "", text: "", html: "")
        return OutgoingMail(message: message, subject: subject, sender: from.email ?? "", recipients: headers.envelopeRecipients, mime: [])
    }
}
