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
    /// Whether queued digests are composed into mail (MIME, the .xlsx of
    /// every task). A simulation's outbox is never delivered: it queues the
    /// subject and envelope only (`OutgoingMail.unwritten`).
    public var writesMail: Bool

    public init(environment: Environment, archives: Bool = true, writesMail: Bool = true) {
        self.environment = environment
        self.archives = archives
        self.writesMail = writesMail
    }

    public struct Result: Sendable {
        public var mails: [OutgoingMail] = []
        public var skipped: [SkippedNotification] = []
        public var next: Date?
        /// The digest queued in this pass, to archive once it is queued.
        public var digest: Digest?
        /// The digest each queued mail carries, by message id (a simulation shows their figures).
        public var carried: [String: Digest] = [:]
    }

    /// How a warning about the archive starts (the daemon shows it in STATUS).
    public static let archiveWarningPrefix = "digest archive not written"

    var schedule: DigestSchedule { environment.configuration.digest.schedule }

    /// What the digest wants at `now`, given the log.
    public func run(_ snapshot: LedgerSnapshot, database: any StateStore, now: Date, log: Set<NotificationIdentity>) async throws -> Result {
        let clock = environment.clock
        let calendar = environment.calendar
        let decision = schedule.decide(now: now, logged: { log.contains(DigestSchedule.identity($0)) },
                                       newest: DigestSchedule.newestWeek(in: log), calendar: calendar, clock: clock)
        var result = Result(next: decision.next)
        if let old = decision.superseded {
            result.skipped.append(SkippedNotification(identity: DigestSchedule.identity(old), reason: .supersededByLaterDigest))
        }
        guard let week = decision.due else { return result }
        guard inSendingWindow(week: week, now: now) else {
            let today = clock.date(of: now), time = clock.timeOfDay(of: now)
            let opening = environment.planner.nextWindowOpening(after: now, today: today, time: time)
            result.next = min(opening, result.next ?? opening)
            return result
        }
        let produced = try await produce(week: week, snapshot: snapshot, database: database, now: now, send: true)
        result.mails = produced.mails
        result.digest = produced.digest
        result.carried = produced.carried
        return result
    }

    /// Builds and (when `send`) renders the digest of `week`, for the
    /// leadership group and each configured department. Nothing is written
    /// to disk here: see `archive`.
    /// `carried`: the digest each mail carries, by message id.
    public func produce(week: ISOWeek, snapshot: LedgerSnapshot, database: any StateStore, now: Date, send: Bool)
        async throws -> (digest: Digest, mails: [OutgoingMail], carried: [String: Digest]) {
        let built = try await build(week: week, snapshot: snapshot, database: database, now: now)
        guard send else { return (built.digest, [], [:]) }
        // Composed before anything is recorded: a digest that cannot be
        // composed must not leave a snapshot and `last_digest` saying it went out.
        let composed = try mails(built, week: week, now: now)
        if try await database.saveSnapshot(snapshot, for: .digest(week), at: now), let point = built.digest.trend.last {
            // The week's trend figures beside its snapshot, so later digests need not decode it.
            let record = TrendRecord(point: point, departments: Dictionary(
                built.departments.compactMap { entry in entry.digest.trend.last.map { (entry.name, $0) } }, uniquingKeysWith: { a, _ in a }))
            if let json = try? JSONEncoder().encode(record) {
                try await database.setMeta(Self.trendKeyPrefix + week.description, String(decoding: json, as: UTF8.self))
            }
        }
        try await database.setMeta("last_digest", "\(week) (\(environment.clock.iso(now)))")
        return (built.digest, composed.map(\.mail),
                Dictionary(composed.map { ($0.mail.message.id, $0.digest) }, uniquingKeysWith: { first, _ in first }))
    }

    /// Meta keys `digest-trend:YYYY-Www`: a sent week's trend figures.
    static let trendKeyPrefix = "digest-trend:"

    struct TrendRecord: Codable {
        var point: Digest.TrendPoint
        var departments: [String: Digest.TrendPoint]
    }

    /// The digests of `week` as data: the leadership group's, then each
    /// configured department's (by name). Reads the database, writes nothing.
    public struct Built: Sendable {
        public var digest: Digest
        public var departments: [(name: String, head: Contact, digest: Digest)]
    }

    /// Notices sent after `now` are left out: a past week's digest, rendered
    /// again from its snapshot, tells what had been sent by then. `past`:
    /// a rebuild of a week already sent, where only what the log dates
    /// (notices sent by `now`) counts — the highest escalation comes from
    /// those notices, and undelivered mail, which the outbox does not date,
    /// is left out rather than told as of today.
    public func build(week: ISOWeek, snapshot: LedgerSnapshot, database: any StateStore, now: Date, past: Bool = false) async throws -> Built {
        let today = environment.clock.date(of: now)
        let previous = try await database.latestDigestSnapshot(before: week)
        // Mail that did not reach someone: messages given up on, and recipients refused for good.
        let undelivered = past ? 0 : try await database.outboxCounts().failed + database.refusedRecipientCount()
        let clock = environment.clock
        var notices: [TaskID: [Digest.Notice]] = [:]
        for (task, sent) in try await database.sentNotices() {
            let before = sent.filter { $0.at <= now }
            if !before.isEmpty { notices[task] = before.map { Digest.Notice(kind: $0.kind, step: $0.step, on: clock.date(of: $0.at)) } }
        }
        var highestEscalation: [TaskID: Int] = [:]
        if past {
            for (task, list) in notices {
                if let step = list.filter({ $0.kind == .escalation }).map(\.step).max() { highestEscalation[task] = step }
            }
        } else {
            highestEscalation = try await database.highestEscalations()
        }
        let settings = environment.configuration.digest
        let builder = DigestBuilder(planner: environment.planner, staleWeeks: settings.staleWeeks)
        let departments = settings.departments.keys.sorted()
        let staleWeeks = settings.staleWeeks
        // The archived weeks, oldest first: each week's figures (whole and per
        // department) and, for the last `staleWeeks`, the progress texts. A
        // week whose figures were recorded when its digest was sent is not
        // decoded again (a large ledger's snapshot costs seconds); the others
        // are read from their snapshot. A week whose snapshot maintenance
        // dropped (keep_bodies_days) stays in the trend by its record.
        let kept = try await database.digestSnapshotWeeks(before: week)
        var recorded: [ISOWeek: TrendRecord] = [:]
        for (key, value) in try await database.metaValues(prefix: Self.trendKeyPrefix) {
            guard let archived = ISOWeek(String(key.dropFirst(Self.trendKeyPrefix.count))), archived < week,
                  let record = try? JSONDecoder().decode(TrendRecord.self, from: Data(value.utf8)),
                  Set(departments).isSubset(of: record.departments.keys) else { continue }
            recorded[archived] = record
        }
        let recent = Set(kept.suffix(staleWeeks))
        let decode = Set(kept.filter { recent.contains($0) || recorded[$0] == nil })
        let decoded = try await database.digestHistory(before: week, only: decode) { archived, takenAt, old in
            let day = clock.date(of: takenAt)
            var perDepartment: [String: Digest.TrendPoint] = [:]
            for name in departments {
                var part = old
                part.tasks = old.tasks.filter { $0.department == name }
                perDepartment[name] = builder.trendPoint(week: archived, snapshot: part, today: day)
            }
            return (point: builder.trendPoint(week: archived, snapshot: old, today: day), departments: perDepartment,
                    progress: Dictionary(old.tasks.map { ($0.id, $0.progress) }, uniquingKeysWith: { first, _ in first }))
        }
        var byWeek: [ISOWeek: (point: Digest.TrendPoint, departments: [String: Digest.TrendPoint], progress: [TaskID: String])] = [:]
        for entry in decoded { byWeek[entry.point.week] = entry }
        let weeks = Set(kept).union(recorded.keys).sorted().compactMap { archived in
            byWeek[archived] ?? recorded[archived].map { (point: $0.point, departments: $0.departments, progress: [TaskID: String]()) }
        }
        let progressHistory = Array(kept.suffix(staleWeeks).reversed().compactMap { byWeek[$0]?.progress })
        // 台账异常 once, on the whole ledger and its history: a department's digest gets its share.
        let trail = try await environment.ledgerTrail(database, now: now)
        let anomalies = LedgerAudit.findings(snapshot, history: trail, today: today,
                                             requireEvidence: environment.configuration.ledger.requireEvidence)
        var inputs = DigestBuilder.Inputs(
            snapshot: snapshot, previous: previous,
            highestEscalation: highestEscalation, failedMail: undelivered,
            ledgerAnomalies: anomalies, historySince: trail.since,
            requireEvidence: environment.configuration.ledger.requireEvidence, notices: notices,
            progressHistory: progressHistory, trend: weeks.map(\.point),
            extensions: try await database.extensionFacts(snapshot, today: today),
            deadlineChanges: try await database.deadlineChanges(seenSince: today.adding(days: -6)))
        inputs.undecodableReads = trail.undecodable
        if past {
            // As that week's digest told it: only what had gone out by then.
            inputs.escalationsSent = notices.compactMapValues { list in
                let count = list.count { $0.kind == .escalation }
                return count > 0 ? count : nil
            }
            inputs.interviewed = Set(notices.filter { $0.value.contains { $0.kind == .interview } }.keys)
        } else {
            inputs.escalationsSent = try await database.sentCounts(of: .escalation)
            inputs.interviewed = Set(try await database.sentCounts(of: .interview).keys)
        }
        inputs.loop = try await database.loopFacts(snapshot, dueDates: environment.planner.deadlineRecord(snapshot), today: today)
        let digest = builder.build(week: week, today: today, inputs)

        var built = Built(digest: digest, departments: [])
        for department in departments {
            guard let head = settings.departments[department] else { continue }
            var part = snapshot
            part.tasks = snapshot.tasks.filter { $0.department == department }
            let numbers = Set(part.tasks.map(\.problemNumber))
            part.problems = snapshot.problems.filter { numbers.contains($0.number) }
            var partInputs = inputs
            partInputs.snapshot = part
            partInputs.trend = weeks.compactMap { $0.departments[department] }
            if let previous = inputs.previous {
                var before = previous.snapshot
                before.tasks = before.tasks.filter { $0.department == department }
                partInputs.previous = (previous.week, before)
            }
            partInputs.ledgerAnomalies = anomalies.filter { $0.department == department }
            built.departments.append((department, head, builder.build(week: week, today: today, partInputs)))
        }
        return built
    }

    /// The digest of a past `week`, rebuilt from the ledger its digest kept
    /// and as of the moment it was taken; nil when no digest of that week
    /// kept one (it was never sent). Never today's ledger under an old label.
    public func rebuild(week: ISOWeek, database: any StateStore) async throws -> Digest? {
        guard let kept = try await database.digestSnapshot(of: week) else { return nil }
        return try await build(week: week, snapshot: kept.snapshot, database: database, now: kept.takenAt, past: true).digest
    }

    /// Who gets which of the built digests, leadership group first.
    func addressed(_ built: Built, week: ISOWeek) -> [(digest: Digest, to: [Contact], audience: String?, identity: NotificationIdentity)] {
        [(built.digest, environment.configuration.digest.recipients, nil, DigestSchedule.identity(week))]
            + built.departments.map { ($0.digest, [$0.head], $0.name, DigestSchedule.identity(week, audience: "digest:\($0.name)")) }
    }

    /// The mails of built digests, leadership group first, with the digest each carries.
    func mails(_ built: Built, week: ISOWeek, now: Date) throws -> [(mail: OutgoingMail, digest: Digest)] {
        try addressed(built, week: week).map { entry in
            (try mail(entry.digest, to: entry.to, audience: entry.audience, identity: entry.identity, now: now), entry.digest)
        }
    }

    /// A digest due at `now` as a dry run shows it: the message, its real
    /// subject and the digest it carries.
    public struct Due: Sendable {
        public var message: PlannedMessage
        public var subject: String
        public var digest: Digest
    }

    /// The digests due at `now` given the log, neither queued nor recorded
    /// (`preview`). The same decision as `run`, the same messages and
    /// subjects as its mails, without composing them: a dry run needs the
    /// subject, not the MIME and the workbook of every task.
    public func due(_ snapshot: LedgerSnapshot, database: any StateStore, now: Date, log: Set<NotificationIdentity>)
        async throws -> (due: [Due], skipped: [SkippedNotification], next: Date?) {
        let clock = environment.clock
        let calendar = environment.calendar
        let decision = schedule.decide(now: now, logged: { log.contains(DigestSchedule.identity($0)) },
                                       newest: DigestSchedule.newestWeek(in: log), calendar: calendar, clock: clock)
        let skipped = decision.superseded.map { [SkippedNotification(identity: DigestSchedule.identity($0), reason: .supersededByLaterDigest)] } ?? []
        guard let week = decision.due, inSendingWindow(week: week, now: now) else { return ([], skipped, decision.next) }
        let built = try await build(week: week, snapshot: snapshot, database: database, now: now)
        let due = addressed(built, week: week).map { entry in
            Due(message: message(to: entry.to, identity: entry.identity, now: now),
                subject: environment.composer.digestSubject(entry.digest, audience: entry.audience), digest: entry.digest)
        }
        return (due, skipped, decision.next)
    }

    /// Like all mail: only on a working day, before quiet_from, and from
    /// send_time on except on the digest's own day.
    func inSendingWindow(week: ISOWeek, now: Date) -> Bool {
        let clock = environment.clock, calendar = environment.calendar
        let today = clock.date(of: now), time = clock.timeOfDay(of: now)
        let policy = environment.configuration.policy
        return calendar.isWorkingDay(today) && time < policy.quietFrom && (time >= policy.sendTime || today == schedule.day(of: week, calendar: calendar))
    }

    /// The message of one digest mail (its id names the mail).
    func message(to: [Contact], identity: NotificationIdentity, now: Date) -> PlannedMessage {
        PlannedMessage(kind: .digest, level: nil, slot: now, to: to, cc: [], items: [], unreachable: [], extraIdentities: [identity])
    }

    private func mail(_ digest: Digest, to: [Contact], audience: String?, identity: NotificationIdentity, now: Date) throws -> OutgoingMail {
        let message = message(to: to, identity: identity, now: now)
        guard writesMail else {
            return .unwritten(message, subject: environment.composer.digestSubject(digest, audience: audience), from: environment.composer.from)
        }
        let mail = try environment.composer.composeDigest(digest, to: to, audience: audience, identity: identity, slot: now)
        return OutgoingMail(message: message, subject: mail.subject, sender: mail.from.email ?? "", recipients: mail.envelopeRecipients,
                            mime: MIMEWriter.write(mail))
    }

    /// The archive folder: `--out`, `[digest] archive`, or `digests/` beside the state database.
    public func archiveFolder(_ folder: URL? = nil) -> URL {
        folder ?? environment.configuration.digest.archive
            ?? environment.configuration.state.path.deletingLastPathComponent().appendingPathComponent("digests")
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
