import DubanConfig
import DubanCore
import DubanDaemon
import DubanLedger
import Foundation

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
    }

    struct People: Encodable {
        var directory: Int
        var named: Int
        var withAddress: Int
    }

    var summary: Summary
    var diagnostics: [Diagnostic]
    var errors: Int { diagnostics.errorCount }
    var warnings: Int { diagnostics.warningCount }

    enum CodingKeys: String, CodingKey { case summary, diagnostics, errors, warnings }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(summary, forKey: .summary)
        try container.encode(diagnostics.map(JSONDiagnostic.init), forKey: .diagnostics)
        try container.encode(errors, forKey: .errors)
        try container.encode(warnings, forKey: .warnings)
    }

    struct JSONDiagnostic: Encodable {
        var severity: String
        var file: String
        var row: Int?
        var column: Int?
        var message: String

        init(_ diagnostic: Diagnostic) {
            severity = diagnostic.severity.rawValue
            file = diagnostic.location.file
            row = diagnostic.location.row
            column = diagnostic.location.column
            message = diagnostic.message
        }
    }

    static func make(_ environment: Environment, now: Date) -> CheckReport {
        let configuration = environment.configuration
        var diagnostics = environment.diagnostics
        let directory = environment.people
        let snapshot = environment.loadLedger()
        diagnostics += snapshot.diagnostics
        // A missing calendar year is reported loudly: this year, and next year once it is near.
        let today = environment.clock.date(of: now)
        for year in environment.calendar.missingYears(today.year...today.adding(days: 61).year) {
            diagnostics.append(.warning(SourceLocation(file: configuration.calendars.path),
                "no work calendar for \(year): only weekends are known, holidays and 调休 are not; add \(year).toml when the State Council publishes it"))
        }

        var byStatus: [String: Int] = [:]
        var byDeadline: [String: Int] = [:]
        var named = Set<String>(), reachable = Set<String>()
        for task in snapshot.tasks {
            byStatus[task.status.rawValue, default: 0] += 1
            byDeadline[task.deadline.kind.rawValue, default: 0] += 1
            for contact in [task.officer, task.leader].compactMap({ $0 }) {
                named.insert(contact.name)
                if contact.email != nil { reachable.insert(contact.name) }
            }
        }
        let summary = Summary(
            files: configuration.ledger.paths.map(\.path),
            problems: snapshot.problems.count, tasks: snapshot.tasks.count,
            byStatus: byStatus, byDeadline: byDeadline,
            explicitTaskIDs: snapshot.tasks.count(where: \.idIsExplicit),
            people: People(directory: directory.people.count, named: named.count, withAddress: reachable.count))
        return CheckReport(summary: summary, diagnostics: diagnostics)
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
        out += "  people: \(s.people.named) named in the ledger, \(s.people.withAddress) with an address; \(s.people.directory) in the directory\n"
        if s.tasks > 0 && s.explicitTaskIDs < s.tasks {
            out += "  note: \(s.tasks - s.explicitTaskIDs) task(s) have no 任务编号; their ids follow row positions, and an explicit 任务编号 column is safer\n"
        }
        out += "\(errors) error(s), \(warnings) warning(s)\n"
        return out
    }
}
