import ArgumentParser
import DubanCore
import DubanDaemon
import DubanStore
import Foundation

/// `duban preview --at DATETIME`: what would go out at that moment.
struct Preview: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what would be sent at a given moment, given the state database. Read-only.",
        discussion: """
            DATETIME is local time in the organisation's zone (2026-06-23T09:00, 2026-06-23 09:00) \
            or carries an offset (2026-06-23T09:00:00+08:00). Notifications already in the log are \
            not shown again; --fresh ignores the log, as on a first start.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The moment to preview.", valueName: "datetime"))
    var at: String

    @Flag(help: "Ignore the notification log, as if nothing had ever been sent.")
    var fresh = false

    @Option(help: "Output format.")
    var format: OutputFormat = .text

    func run() async throws {
        let environment = try loadEnvironment(global)
        guard let now = environment.clock.parse(at) else {
            throw ValidationError("--at \(at): expected a date and time such as 2026-06-23T09:00")
        }
        let snapshot = environment.loadLedger()
        var log = Set<NotificationIdentity>()
        let today = environment.clock.date(of: now)
        var stateDatabase: (any StateStore)?
        // As on a first start: an accepted task without a 验收日期 counts as accepted today.
        var facts = Planner.Facts(loop: Planner.LoopFacts(history: Dictionary(
            snapshot.tasks.map { ($0.id, [Planner.StatusSighting(status: $0.status, on: today)]) }, uniquingKeysWith: { first, _ in first })))
        if !fresh {
            do {
                if let database = try await StateOpener.readOnly(environment.configuration.state) {
                    stateDatabase = database
                    log = try await database.loggedIdentities()
                    facts = try await database.plannerFacts(snapshot, planner: environment.planner, today: today)
                }
            } catch {
                printErr("duban: \(error)")
                throw ExitStatus.configurationUnusable
            }
        }
        if fresh || facts.firstSeenCompleted.isEmpty {
            for task in snapshot.tasks where task.status == .completed && task.completedOn == nil && facts.firstSeenCompleted[task.id] == nil {
                facts.firstSeenCompleted[task.id] = today
            }
        }
        var plan = environment.planner.plan(snapshot, log: log, facts: facts, now: now)
        let clock = environment.clock
        // The digests due at that moment, as `run` would send them: the same
        // decision, built from the ledger and the state database, not queued.
        let digests: [DigestStage.Due]
        var personalLists: [(due: PersonalStage.Due, subject: String)] = []
        do {
            let database = try stateDatabase ?? DubanDatabase.inMemory()
            let due = try await DigestStage(environment: environment, archives: false).due(snapshot, database: database, now: now, log: log)
            digests = due.due
            let personal = PersonalStage(environment: environment)
            let lists = personal.due(snapshot, now: now, log: log)
            personalLists = lists.due.map { ($0, personal.subject($0)) }
            if let next = lists.next { plan.next = min(plan.next ?? next, next) }
            plan.skipped += due.skipped
            if let next = due.next { plan.next = min(plan.next ?? next, next) }
        } catch {
            printErr("duban: \(error)")
            throw ExitStatus.configurationUnusable
        }
        switch format {
        case .json:
            // Streamed (see PrettyJSONWriter): the same bytes JSONEncoder wrote, at a
            // fraction of the time and memory for a catch-up of a large ledger.
            printJSON { json in
                json.beginObject()
                json.field("at", clock.iso(now))
                json.key("messages")
                json.beginArray()
                for message in plan.messages {
                    MessageJSON(message, slot: now, subject: environment.subject(message), clock: clock).write(to: &json)
                }
                for due in digests {
                    MessageJSON(due.message, slot: now, subject: due.subject, clock: clock, digest: due.digest).write(to: &json)
                }
                for (due, subject) in personalLists {
                    MessageJSON(due.message, slot: now, subject: subject, clock: clock, personal: due.list).write(to: &json)
                }
                json.endArray()
                json.field("next", plan.next.map(clock.iso))
                json.key("skipped")
                json.beginArray()
                for skip in plan.skipped { writeSkip(skip, at: nil, to: &json) }
                json.endArray()
                json.field("warnings", strings: plan.warnings)
                json.endObject()
            }
        case .text:
            for warning in plan.warnings { print("warning: \(warning)") }
            if plan.messages.isEmpty && digests.isEmpty && personalLists.isEmpty {
                print("Nothing goes out at \(clock.iso(now)).")
            } else {
                print("At \(clock.iso(now)), \(plan.messages.count + digests.count + personalLists.count) message(s) go out:\n")
                for message in plan.messages {
                    print(MessageJSON.textLine(message, slot: now, subject: environment.subject(message), clock: clock))
                }
                for digest in digests {
                    print(MessageJSON.textLine(digest.message, slot: now, subject: digest.subject, clock: clock, digest: digest.digest))
                }
                for (due, subject) in personalLists {
                    print(MessageJSON.textLine(due.message, slot: now, subject: subject, clock: clock, personal: due.list))
                }
            }
            for skip in plan.skipped { print("skipped \(skip.identity): \(skip.reason.explanation)") }
            if let next = plan.next { print("Next: \(clock.iso(next))") }
        }
    }
}
