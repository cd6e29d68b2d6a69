public import DubanCore
import DubanMail
public import DubanStore
public import Foundation

/// The weekly digest as a stage of the pass: decides whether a digest is due,
/// builds it from the ledger now and the snapshot kept with the previous
/// digest, archives it, renders it and hands it to the outbox.
public struct DigestStage: Sendable {
    public var environment: Environment
    /// Whether digests are archived beside the state database (a simulation
    /// must not write there).
    public var archives: Bool

    public init(environment: Environment, archives: Bool = true) {
        self.environment = environment
        self.archives = archives
    }

    public struct Result: Sendable {
        public var mails: [OutgoingMail] = []
        public var skipped: [SkippedNotification] = []
        public var next: Date?
        public var archived: [URL] = []
    }

    var schedule: DigestSchedule { environment.configuration.digest.schedule }

    /// What the digest wants at `now`, given the log.
    public func run(_ snapshot: LedgerSnapshot, database: DubanDatabase, now: Date, log: Set<NotificationIdentity>) throws -> Result {
        let clock = environment.clock
        let calendar = environment.calendar
        let decision = schedule.decide(now: now, logged: { log.contains(DigestSchedule.identity($0)) }, calendar: calendar, clock: clock)
        var result = Result(next: decision.next)
        if let old = decision.superseded {
            result.skipped.append(SkippedNotification(identity: DigestSchedule.identity(old), reason: .supersededByLaterDigest))
        }
        guard let week = decision.due else { return result }
        // Like all mail: only on a working day and before quiet_from.
        let today = clock.date(of: now), time = clock.timeOfDay(of: now)
        let policy = environment.configuration.policy
        let slotDay = schedule.day(of: week, calendar: calendar)
        guard calendar.isWorkingDay(today), time < policy.quietFrom, time >= policy.sendTime || today == slotDay else {
            let opening = environment.planner.nextWindowOpening(after: now, today: today, time: time)
            result.next = min(opening, result.next ?? opening)
            return result
        }
        let produced = try produce(week: week, snapshot: snapshot, database: database, now: now, send: true)
        result.mails = produced.mails
        result.archived = produced.archived
        return result
    }

    /// Builds, archives and (when `send`) renders the digest of `week`, for
    /// the leadership group and each configured department.
    public func produce(week: ISOWeek, snapshot: LedgerSnapshot, database: DubanDatabase, now: Date, send: Bool)
        throws -> (digest: Digest, mails: [OutgoingMail], archived: [URL]) {
        let today = environment.clock.date(of: now)
        let previous = try database.latestSnapshot(purpose: "digest", before: week.description)
        let inputs = DigestBuilder.Inputs(
            snapshot: snapshot, previous: previous.flatMap { p in ISOWeek(p.key).map { (week: $0, snapshot: p.snapshot) } },
            highestEscalation: try database.highestEscalations(), failedMail: try database.outboxCounts().failed)
        let builder = DigestBuilder(planner: environment.planner)
        let digest = builder.build(week: week, today: today, inputs)
        let archived = archives ? try archive(digest) : []
        guard send else { return (digest, [], archived) }
        try database.saveSnapshot(snapshot, purpose: "digest", key: week.description, at: now)
        try database.setMeta("last_digest", "\(week) (\(environment.clock.iso(now)))")

        var mails = [mail(digest, to: environment.configuration.digest.recipients, audience: nil, identity: DigestSchedule.identity(week), now: now)]
        for (department, head) in environment.configuration.digest.departments.sorted(by: { $0.key < $1.key }) {
            var part = snapshot
            part.tasks = snapshot.tasks.filter { $0.department == department }
            let numbers = Set(part.tasks.map(\.problemNumber))
            part.problems = snapshot.problems.filter { numbers.contains($0.number) }
            var partInputs = inputs
            partInputs.snapshot = part
            if let previous = inputs.previous {
                var before = previous.snapshot
                before.tasks = before.tasks.filter { $0.department == department }
                partInputs.previous = (previous.week, before)
            }
            let departmentDigest = builder.build(week: week, today: today, partInputs)
            mails.append(mail(departmentDigest, to: [head], audience: department,
                              identity: DigestSchedule.identity(week, audience: "digest:\(department)"), now: now))
        }
        return (digest, mails, archived)
    }

    private func mail(_ digest: Digest, to: [Contact], audience: String?, identity: NotificationIdentity, now: Date) -> OutgoingMail {
        let message = PlannedMessage(kind: .digest, level: nil, slot: now, to: to, cc: [], items: [], unreachable: [], extraIdentities: [identity])
        let mail = environment.composer.composeDigest(digest, to: to, audience: audience, identity: identity, slot: now)
        return OutgoingMail(message: message, subject: mail.subject, sender: mail.from.email ?? "", recipients: mail.envelopeRecipients,
                            mime: MIMEWriter.write(mail))
    }

    /// Writes `digests/YYYY-Www.html`, `.txt` and `.json` beside the state
    /// database. An existing archive is never overwritten: a second digest
    /// of the same week gets `-2`, `-3` … and the first stays the record.
    public func archive(_ digest: Digest, folder: URL? = nil) throws -> [URL] {
        let target = folder ?? environment.configuration.state.path.deletingLastPathComponent().appendingPathComponent("digests")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let rendered = environment.composer.renderDigest(digest, audience: nil)
        var base = digest.week.description
        var suffix = 1
        while ["html", "txt", "json"].contains(where: { FileManager.default.fileExists(atPath: target.appendingPathComponent("\(base).\($0)").path) }) {
            suffix += 1
            base = "\(digest.week)-\(suffix)"
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let files: [(String, Data)] = [("html", Data(rendered.html.utf8)), ("txt", Data(rendered.text.utf8)), ("json", try encoder.encode(digest))]
        return try files.map { ext, data in
            let url = target.appendingPathComponent("\(base).\(ext)")
            try data.write(to: url, options: .withoutOverwriting)
            return url
        }
    }
}
