import DubanConfig
import DubanCore
import DubanDaemon
import DubanLedger
import DubanStore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What `duban check` found, ready to print as text or JSON.
struct CheckReport: Encodable {
    struct Summary: Encodable {
        var files: [String]
        var problems: Int
        var tasks: Int
        var byStatus: [String: Int]
        var byDeadline: [String: Int]
        var explicitTaskIDs: Int
        var people: People
        /// The stored reads the 台账异常 history covers (nil: no state database).
        var history: History?
        /// 延期: requests awaiting a decision, and extensions granted.
        var extensions: Extensions
        /// 长期坚持 measures, and how many have a readable cadence.
        var standing: Standing
    }

    struct Extensions: Encodable {
        var pending: Int
        var approved: Int
    }

    struct Standing: Encodable {
        var tasks: Int
        var withCadence: Int
    }

    struct History: Encodable {
        var since: String?
        var reads: Int
        var undecodable: Int
    }

    struct People: Encodable {
        var directory: Int
        var named: Int
        var withAddress: Int
    }

    var summary: Summary
    var diagnostics: [Diagnostic]
    /// Problems that would stop `duban run` (no password, no writable state):
    /// also in `diagnostics`; they make `check` exit 2.
    var readiness: [Diagnostic] = []
    /// The `LedgerAnomaly.Kind` of the diagnostics that are 台账异常, by position.
    var anomalyKinds: [Int: String] = [:]
    var errors: Int { diagnostics.errorCount }
    var warnings: Int { diagnostics.warningCount }

    enum CodingKeys: String, CodingKey { case summary, diagnostics, errors, warnings }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(summary, forKey: .summary)
        try container.encode(diagnostics.enumerated().map { JSONDiagnostic($1, kind: anomalyKinds[$0]) }, forKey: .diagnostics)
        try container.encode(errors, forKey: .errors)
        try container.encode(warnings, forKey: .warnings)
    }

    struct JSONDiagnostic: Encodable {
        var severity: String
        var file: String
        var row: Int?
        var column: Int?
        var message: String
        /// For a 台账异常: its kind (`back_dated`, `disappeared`, …); absent otherwise.
        var kind: String?

        init(_ diagnostic: Diagnostic, kind: String? = nil) {
            self.kind = kind
            severity = diagnostic.severity.rawValue
            file = diagnostic.location.file
            row = diagnostic.location.row
            column = diagnostic.location.column
            message = diagnostic.message
        }
    }

    static func make(_ environment: Environment, now: Date) async -> CheckReport {
        let configuration = environment.configuration
        var diagnostics = environment.diagnostics
        var anomalyKinds: [Int: String] = [:]
        let directory = environment.people
        let snapshot = environment.loadLedger()
        diagnostics += snapshot.diagnostics
        // This read's own 台账异常 need neither the state database nor the
        // diagnostics before them: worked out on the other core meanwhile.
        let today = environment.clock.date(of: now), requireEvidence = configuration.ledger.requireEvidence
        async let ownAnomalies = LedgerAudit.inspect(snapshot, today: today, requireEvidence: requireEvidence)
        let readiness = RunReadiness.problems(configuration)
        // The summary's counts, while the audit runs.
        var byStatus: [String: Int] = [:]
        var byDeadline: [String: Int] = [:]
        var named = Set<String>(), reachable = Set<String>()
        // Fields read in place: `for task in snapshot.tasks` copied every task
        // (a dozen retains and releases each), a tenth of `check` at 1M tasks.
        snapshot.tasks.withUnsafeBufferPointer { tasks in
            // A handful of values: a list searched by equality, not a hashed
            // dictionary (these enums hash their raw strings).
            var statuses: [(TaskStatus, Int)] = [], kinds: [(Deadline.Kind, Int)] = []
            func add<Value: Equatable>(_ value: Value, to list: inout [(Value, Int)]) {
                if let at = list.firstIndex(where: { $0.0 == value }) { list[at].1 += 1 } else { list.append((value, 1)) }
            }
            var lastOfficer: Contact?
            func count(_ contact: Contact?) {
                guard let contact else { return }
                named.insert(contact.name)
                if contact.email != nil { reachable.insert(contact.name) }
            }
            for index in tasks.indices {
                add(tasks[index].status, to: &statuses)
                add(tasks[index].deadline.kind, to: &kinds)
                // Consecutive tasks often share their officer: count them once.
                if tasks[index].officer != lastOfficer {
                    count(tasks[index].officer)
                    lastOfficer = tasks[index].officer
                }
                count(tasks[index].leader)
            }
            for (status, n) in statuses { byStatus[status.rawValue, default: 0] += n }
            for (kind, n) in kinds { byDeadline[kind.rawValue, default: 0] += n }
        }
        diagnostics += readiness
        // An officer who is their own 分管领导: level 1 goes one step up instead.
        for task in environment.planner.selfSupervisedTasks(snapshot) {
            diagnostics.append(.warning(task.source,
                "task \(task.id): the 责任人 \(task.officer?.name ?? "") is also the 分管领导; a level-1 escalation goes to the principal (or the office) instead"))
        }
        // Derived ids follow content: say which tasks an edit turned into new ones since the last good read.
        let stateFile = SourceLocation(file: configuration.state.postgres?.url ?? configuration.state.path.path)
        var database: (any StateStore)?
        do {
            database = try await StateOpener.readOnly(configuration.state)
        } catch {
            diagnostics.append(.warning(stateFile, "cannot open the state database read-only (\(error)); the checks that compare with earlier reads are left out"))
        }
        if let database {
            do {
                if let previous = try await database.lastGoodSnapshot() {
                    diagnostics += DerivedTaskID.changes(from: previous, to: snapshot)
                }
            } catch {
                diagnostics.append(.warning(stateFile, "cannot read the last good ledger (\(error)); edits of tasks without 任务编号 since then are not named"))
            }
        }
        // 台账异常: this read's, and with a state database what the stored reads show.
        var history: LedgerTrail?
        if let database {
            do {
                let trail = try await environment.ledgerTrail(database, now: now)
                if let warning = trail.undecodableWarning { diagnostics.append(.warning(stateFile, warning)) }
                history = trail
            } catch {
                diagnostics.append(.warning(stateFile, "cannot read the stored ledger snapshots (\(error)); the 台账异常 that compare with earlier reads are left out"))
            }
        }
        // As `LedgerAudit.findings`: this read's, then the stored reads'.
        let anomalies = await ownAnomalies + (history.map { LedgerHistory.compare($0, current: snapshot) } ?? [])
        // `--format json` names each 台账异常's kind, for scripts to pick them out.
        for anomaly in anomalies {
            anomalyKinds[diagnostics.count] = anomaly.kind.rawValue
            diagnostics.append(anomaly.diagnostic)
        }
        // 台账异常 that needs extension knowledge: a due date unlike the one last read, with no approval behind it.
        if let database {
            do {
                let moved = try await database.unapprovedDueDateChanges(snapshot, dueDates: environment.planner.dueDates(snapshot))
                for (task, from, to) in moved {
                    let anomaly = LedgerAnomaly.unapprovedDeadlineChange(task, from: from, to: to, seenOn: today, at: snapshot.location(task.source, .deadline))
                    anomalyKinds[diagnostics.count] = anomaly.kind.rawValue
                    diagnostics.append(anomaly.diagnostic)
                }
            } catch {
                diagnostics.append(.warning(stateFile, "cannot read the due dates last seen (\(error)); due dates changed without an approved 延期 since then are not named"))
            }
        }
        // A missing calendar year is reported loudly: this year, and next year once it is near.
        for year in environment.calendar.missingYears(today.year...today.adding(days: 61).year) {
            diagnostics.append(.warning(SourceLocation(file: configuration.calendars.path),
                "no work calendar for \(year): only weekends are known, holidays and 调休 are not; add \(year).toml when the State Council publishes it"))
        }

        let summary = Summary(
            files: configuration.ledger.paths.map(\.path),
            problems: snapshot.problems.count, tasks: snapshot.tasks.count,
            byStatus: byStatus, byDeadline: byDeadline,
            explicitTaskIDs: snapshot.tasks.count(where: \.idIsExplicit),
            people: People(directory: directory.people.count, named: named.count, withAddress: reachable.count),
            history: history.map { History(since: $0.since?.description, reads: $0.reads, undecodable: $0.undecodable) },
            extensions: Extensions(pending: snapshot.tasks.count { $0.deadlineExtension?.isPending == true && !$0.status.isDone },
                                   approved: snapshot.tasks.count { $0.deadlineExtension?.isApproved == true }),
            standing: Standing(tasks: snapshot.tasks.count(where: \.isStanding),
                               withCadence: snapshot.tasks.count { $0.isStanding && $0.cadence != nil }))
        return CheckReport(summary: summary, diagnostics: diagnostics, readiness: readiness, anomalyKinds: anomalyKinds)
    }

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    var text: String {
        var out = ""
        for diagnostic in diagnostics { out += diagnostic.description + "\n" }
        if !diagnostics.isEmpty { out += "\n" }
        let s = summary
        out += "Ledger: \(s.files.joined(separator: ", "))\n"
        out += "  \(s.problems) problems, \(s.tasks) tasks (\(s.explicitTaskIDs) with an explicit 任务编号)\n"
        out += "  by status:\n"
        for status in TaskStatus.allCases where (s.byStatus[status.rawValue] ?? 0) > 0 {
            out += "    \(status.label) (\(status.rawValue)): \(s.byStatus[status.rawValue]!)\n"
        }
        out += "  by deadline:\n"
        for kind in Deadline.Kind.allCases where (s.byDeadline[kind.rawValue] ?? 0) > 0 {
            out += "    \(kind.label) (\(kind.rawValue)): \(s.byDeadline[kind.rawValue]!)\n"
        }
        if s.extensions.pending + s.extensions.approved > 0 {
            out += "  extensions (延期): \(s.extensions.pending) requested and awaiting a decision, \(s.extensions.approved) approved\n"
        }
        if s.standing.tasks > 0 {
            out += "  standing measures (长期坚持): \(s.standing.tasks), \(s.standing.withCadence) with a readable cadence\n"
        }
        out += "  people: \(s.people.named) named in the ledger, \(s.people.withAddress) with an address; \(s.people.directory) in the directory\n"
        if let history = s.history {
            if let since = history.since {
                out += "  台账异常 history covers reads since \(since) (\(history.reads) stored read(s); older digest snapshots are pruned after [state] keep_bodies_days)\n"
            } else {
                out += "  台账异常 history: no stored reads yet; the findings that compare with earlier reads start after the first run\n"
            }
        }
        if s.tasks > 0 && s.explicitTaskIDs < s.tasks {
            out += "  note: \(s.tasks - s.explicitTaskIDs) task(s) have no 任务编号; their ids are derived from the problem, 整改措施 and 责任人,\n"
            out += "        so editing one of these makes the task a new one whose reminders start over; an explicit 任务编号 column\n"
            out += "        keeps each task's history (reminders sent, escalation step) through any edit\n"
        }
        out += "\(errors) error(s), \(warnings) warning(s)\n"
        return out
    }
}

/// What `duban run` needs beyond a valid configuration, checked the way `run`
/// will use it: the SMTP password readable, the state folder (and the mail
/// folder of the files transport) writable or creatable. Templates are parsed
/// when the environment loads.
enum RunReadiness {
    static func problems(_ configuration: Configuration) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        let mail = configuration.mail
        if mail.transport == .smtp, let smtp = mail.smtp, smtp.username != nil {
            let credentials = ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"]
            if let file = smtp.passwordFile ?? credentials.map({ URL(fileURLWithPath: $0).appendingPathComponent("smtp-password") }) {
                do {
                    let text = try LedgerFile.open(file, maxBytes: 64 << 10).readAll()
                    if String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                        problems.append(.error(SourceLocation(file: file.path), "the SMTP password file is empty"))
                    }
                } catch {
                    problems.append(.error(SourceLocation(file: file.path), "cannot read the SMTP password file: \(error.message)"))
                }
            } else {
                problems.append(.error(SourceLocation(file: configuration.file.path),
                    "mail.smtp.username is set but there is no password: set mail.smtp.password_file, or run under systemd with LoadCredential=smtp-password:…"))
            }
        }
        if configuration.state.postgres == nil,
           let problem = writable(configuration.state.path.deletingLastPathComponent(), file: configuration.state.path) {
            problems.append(.error(SourceLocation(file: configuration.state.path.path), "state database: \(problem)"))
        }
        if mail.transport == .files, let problem = writable(mail.folder, file: nil) {
            problems.append(.error(SourceLocation(file: mail.folder.path), "mail folder: \(problem)"))
        }
        return problems
    }

    /// Why `folder` (and `file` in it, when it exists) cannot be written, or nil.
    /// A folder that does not exist yet must be creatable: its nearest existing
    /// parent must be a writable folder.
    static func writable(_ folder: URL, file: URL?) -> String? {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder) {
            guard isFolder.boolValue else { return "\(folder.path) is not a folder" }
            guard access(folder.path, W_OK) == 0 else { return "the folder \(folder.path) is not writable by this user" }
            if let file, FileManager.default.fileExists(atPath: file.path), access(file.path, W_OK) != 0 {
                return "\(file.path) is not writable by this user"
            }
            return nil
        }
        var parent = folder.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: parent.path, isDirectory: &isFolder), parent.path != "/" {
            parent = parent.deletingLastPathComponent()
        }
        guard isFolder.boolValue, access(parent.path, W_OK) == 0 else {
            return "\(folder.path) does not exist and cannot be created (\(parent.path) is not a writable folder)"
        }
        return nil
    }
}
