import ArgumentParser
import DubanCore
import DubanDaemon
import DubanStore
import Foundation

/// `duban digest`: render (and optionally send) a digest now.
struct DigestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Render the weekly digest now: write it as HTML, text and JSON and print where; --send also mails it.",
        discussion: """
            The digest compares the ledger now with the snapshot kept with the previous week's digest. \
            --week for a week before the week of --at renders that week's digest again from the ledger \
            its digest kept (figures as they were then), or is refused (exit 1) when no digest of that \
            week was sent; a week after it is refused too. \
            Files go to --out (default: the digests/ folder beside the state database) and are never \
            overwritten: a second rendering of a week gets -2, -3 … With --send the digest is queued \
            and delivered like any notification; the week is then recorded, so the daemon does not \
            send it again. --send for a week already sent is refused (exit 1) before anything is \
            written. When the daemon holds the delivery lock, --send queues and leaves the sending \
            to it. Exit codes: 0; 1 not delivered, already sent, or the archive could not be \
            written; 2 configuration or state database unusable.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The ISO week (2026-W27); default: the week of --at.", valueName: "week"))
    var week: String?

    @Option(help: ArgumentHelp("The moment the digest is computed at; default: now.", valueName: "datetime"))
    var at: String?

    @Option(help: ArgumentHelp("Folder for the files.", valueName: "dir"))
    var out: String?

    @Flag(help: "Also queue and deliver it through the configured transport.")
    var send = false

    func validate() throws {
        if let week, ISOWeek(week) == nil { throw ValidationError("--week \(week): expected an ISO week such as 2026-W27") }
    }

    func run() async throws {
        let environment = try loadEnvironment(global)
        let clock = environment.clock
        var now = Date()
        if let at {
            guard let parsed = clock.parse(at) else { throw ValidationError("--at \(at): expected a date and time such as 2026-07-06T09:00") }
            now = parsed
        }
        let week = self.week.flatMap(ISOWeek.init) ?? ISOWeek(containing: clock.date(of: now))
        // Only --send delivers; it waits briefly for a daemon that holds the
        // delivery lock, then queues and leaves the sending to it.
        var holder: StoreError?
        let state = environment.configuration.state
        let database: any StateStore = try await withState {
            guard send else { return try await StateOpener.toWrite(state) }
            switch try await StateOpener.toDeliver(state) {
            case .delivering(let opened): return opened
            case .queueOnly(let opened, let held):
                holder = held
                return opened
            }
        }
        if send, let sentAt = try await withState({ try await database.recordedAt(DigestSchedule.identity(week)) }) {
            // Refused before anything is written: no mail, no stray `-2` archive.
            printErr("duban: the digest of \(week) was already sent (\(clock.iso(sentAt))); nothing was queued or written. "
                     + "`duban digest --week \(week)` without --send renders it again.")
            throw ExitStatus.dataErrors
        }
        let stage = DigestStage(environment: environment, archives: out == nil)
        let current = ISOWeek(containing: clock.date(of: now))
        if week > current {
            printErr("duban: \(week) has not begun at \(clock.iso(now)) (the week of --at is \(current)); nothing was written.")
            throw ExitStatus.dataErrors
        }
        if week < current {
            // A past week: from the ledger its digest kept, never today's under an old label.
            guard let past = try await withState({ try await stage.rebuild(week: week, database: database) }) else {
                if let sentAt = try await withState({ try await database.recordedAt(DigestSchedule.identity(week)) }) {
                    // Sent, but maintenance dropped the ledger it kept: say so, not "never sent".
                    printErr("duban: the digest of \(week) was sent (\(clock.iso(sentAt))), but the ledger kept with it was dropped "
                             + "after [state] keep_bodies_days (\(environment.configuration.state.keepBodiesDays) days), so it cannot be "
                             + "rendered again; its figures stay in later digests' trend, and the archive written when it was sent (digests/\(week).html) is its record. "
                             + "Nothing was written.")
                    throw ExitStatus.dataErrors
                }
                printErr("duban: no digest of \(week) was sent, so the state database holds no ledger of that week to render it from; "
                         + "today's ledger under that week's label would misstate it. Nothing was written. "
                         + "`duban digest` without --week renders the week of --at (\(current)).")
                throw ExitStatus.dataErrors
            }
            let counts = past.counts
            print("digest \(week) (from the ledger kept on \(past.today)): \(counts.tasks) tasks, completion rate \(String(format: "%.1f%%", counts.completionRate)), \(counts.overdue) overdue")
            do {
                for file in try stage.archive(past, folder: out.map { URL(fileURLWithPath: $0) }) { print("wrote \(file.path)") }
            } catch {
                printErr("duban: \(error)")
                throw ExitStatus.dataErrors
            }
            return
        }
        let snapshot = environment.loadLedger()
        let produced = try await withState { try await stage.produce(week: week, snapshot: snapshot, database: database, now: now, send: send) }
        let counts = produced.digest.counts
        print("digest \(week): \(counts.tasks) tasks, completion rate \(String(format: "%.1f%%", counts.completionRate)), \(counts.overdue) overdue")
        if send {
            // Queued first: a failing archive must not hold the mail back.
            try await withState { try await database.queue(produced.mails, skipped: [], at: now) }
        }
        var archiveFailed = false
        do {
            for file in try stage.archive(produced.digest, folder: out.map { URL(fileURLWithPath: $0) }) { print("wrote \(file.path)") }
        } catch {
            printErr("duban: \(error)")
            archiveFailed = true
        }
        guard send else {
            if archiveFailed { throw ExitStatus.dataErrors }
            return
        }
        if let holder {
            print("queued \(produced.mails.count) digest mail(s); not sent by this command: \(holder.message); it delivers them at its next pass")
            return
        }
        let report = try await withState {
            try await DeliverStage(transport: try environment.makeTransport(), delivery: environment.configuration.delivery).run(database: database, now: now)
        }
        print("sent \(report.sent.count) digest mail(s)")
        for (id, error) in report.retrying.merging(report.failed, uniquingKeysWith: { a, _ in a }).sorted(by: { $0.key < $1.key }) { print("not delivered \(id): \(error)") }
        if !report.failed.isEmpty || !report.retrying.isEmpty || archiveFailed { throw ExitStatus.dataErrors }
    }
}
