public import DubanCore
import DubanMail
public import DubanStore
public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The weekly digest as a stage of the pass: decides whether a digest is due,
/// builds it from the ledger now and the snapshot kept with the previous
/// digest, renders it and hands it to the outbox. The archive is written
/// after the mail is queued, by `archive`: a full disk or a broken `digests`
/// folder never holds back a notification.
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
        /// The digest queued in this pass, to archive once it is queued.
        public var digest: Digest?
    }

    /// How a warning about the archive starts (the daemon shows it in STATUS).
    public static let archiveWarningPrefix = "digest archive not written"

    var schedule: DigestSchedule { environment.configuration.digest.schedule }

    /// What the digest wants at `now`, given the log.
    public func run(_ snapshot: LedgerSnapshot, database: DubanDatabase, now: Date, log: Set<NotificationIdentity>) async throws -> Result {
        let clock = environment.clock
        let calendar = environment.calendar
        let decision = schedule.decide(now: now, logged: { log.contains(DigestSchedule.identity($0)) },
                                       newest: DigestSchedule.newestWeek(in: log), calendar: calendar, clock: clock)
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
        let produced = try await produce(week: week, snapshot: snapshot, database: database, now: now, send: true)
        result.mails = produced.mails
        result.digest = produced.digest
        return result
    }

    /// Builds and (when `send`) renders the digest of `week`, for the
    /// leadership group and each configured department. Nothing is written
    /// to disk here: see `archive`.
    public func produce(week: ISOWeek, snapshot: LedgerSnapshot, database: DubanDatabase, now: Date, send: Bool)
        async throws -> (digest: Digest, mails: [OutgoingMail]) {
        let today = environment.clock.date(of: now)
        let previous = try await database.latestDigestSnapshot(before: week)
        // Mail that did not reach someone: messages given up on, and recipients refused for good.
        let undelivered = try await database.outboxCounts().failed + database.refusedRecipientCount()
        let inputs = DigestBuilder.Inputs(
            snapshot: snapshot, previous: previous,
            highestEscalation: try await database.highestEscalations(), failedMail: undelivered,
            earlierReads: try await environment.earlierReads(database, now: now),
            requireEvidence: environment.configuration.ledger.requireEvidence)
        let builder = DigestBuilder(planner: environment.planner)
        let digest = builder.build(week: week, today: today, inputs)
        guard send else { return (digest, []) }
        try await database.saveSnapshot(snapshot, for: .digest(week), at: now)
        try await database.setMeta("last_digest", "\(week) (\(environment.clock.iso(now)))")

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
            // The department's own history: another department's rows are not gone from this one.
            partInputs.earlierReads = inputs.earlierReads.map { read in
                var part = read
                part.snapshot.tasks = read.snapshot.tasks.filter { $0.department == department }
                return part
            }
            let departmentDigest = builder.build(week: week, today: today, partInputs)
            mails.append(mail(departmentDigest, to: [head], audience: department,
                              identity: DigestSchedule.identity(week, audience: "digest:\(department)"), now: now))
        }
        return (digest, mails)
    }

    private func mail(_ digest: Digest, to: [Contact], audience: String?, identity: NotificationIdentity, now: Date) -> OutgoingMail {
        let message = PlannedMessage(kind: .digest, level: nil, slot: now, to: to, cc: [], items: [], unreachable: [], extraIdentities: [identity])
        let mail = environment.composer.composeDigest(digest, to: to, audience: audience, identity: identity, slot: now)
        return OutgoingMail(message: message, subject: mail.subject, sender: mail.from.email ?? "", recipients: mail.envelopeRecipients,
                            mime: MIMEWriter.write(mail))
    }

    /// The archive folder: `--out`, or `digests/` beside the state database.
    public func archiveFolder(_ folder: URL? = nil) -> URL {
        folder ?? environment.configuration.state.path.deletingLastPathComponent().appendingPathComponent("digests")
    }

    /// Writes `digests/YYYY-Www.html`, `.txt` and `.json` beside the state
    /// database. An existing archive is never overwritten: a second digest
    /// of the same week gets `-2`, `-3` … and the first stays the record.
    ///
    /// All or nothing: the three files are written under temporary names
    /// and renamed into place only when all three are complete, so a full
    /// disk never leaves a 0-byte or half-written set; a failed rename takes
    /// back the ones already renamed.
    public func archive(_ digest: Digest, folder: URL? = nil) throws -> [URL] {
        let target = archiveFolder(folder)
        let files = FileManager.default
        do {
            try files.createDirectory(at: target, withIntermediateDirectories: true)
        } catch {
            throw ArchiveError(folder: target, reason: "cannot create the folder: \(Self.reason(error))")
        }
        let rendered = environment.composer.renderDigest(digest, audience: nil)
        var base = digest.week.description
        var suffix = 1
        while ["html", "txt", "json"].contains(where: { files.fileExists(atPath: target.appendingPathComponent("\(base).\($0)").path) }) {
            suffix += 1
            base = "\(digest.week)-\(suffix)"
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json: Data
        do { json = try encoder.encode(digest) } catch { throw ArchiveError(folder: target, reason: "cannot encode the digest: \(error)") }
        let contents: [(String, Data)] = [("html", Data(rendered.html.utf8)), ("txt", Data(rendered.text.utf8)), ("json", json)]
        let token = UUID().uuidString
        var temporary: [URL] = []
        var placed: [URL] = []
        do {
            for (ext, data) in contents {
                let url = target.appendingPathComponent(".\(base).\(ext).\(token).tmp")
                temporary.append(url)
                try data.write(to: url, options: .withoutOverwriting)
            }
            for (index, (ext, _)) in contents.enumerated() {
                let final = target.appendingPathComponent("\(base).\(ext)")
                try files.moveItem(at: temporary[index], to: final)
                placed.append(final)
            }
            return placed
        } catch {
            for url in temporary + placed { try? files.removeItem(at: url) }
            throw ArchiveError(folder: target, reason: Self.reason(error))
        }
    }

    /// The POSIX reason behind a Foundation file error, not "error 256".
    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
        return nsError.localizedDescription
    }
}

/// The digest archive could not be written (the mail itself is queued).
public struct ArchiveError: Error, Sendable, CustomStringConvertible {
    public var folder: URL
    public var reason: String
    public var description: String { "cannot write the digest archive in \(folder.path): \(reason)" }
}
