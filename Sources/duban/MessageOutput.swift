import DubanCore
import DubanDaemon
import Foundation

/// The JSON shape `preview` and `simulate` print for one message.
struct MessageJSON: Encodable {
    struct Item: Encodable {
        var task: String
        var problem: String
        var rule: String
        var about: String
    }

    var kind: String
    var level: Int?
    var slot: String
    var to: [String]
    var cc: [String]
    var subject: String
    var items: [Item]
    var unreachable: [String]
    /// A digest's figures (kind `digest`).
    var figures: DigestFigures?

    /// A personal list's figures (kind `personal`): the person's own tasks,
    /// overdue and due within 7 days, and the same of the tasks they supervise.
    var list: ListFigures?

    struct ListFigures: Encodable {
        var role: String
        var tasks: Int
        var overdue: Int
        var dueSoon: Int
        var supervised: Int
        var supervisedOverdue: Int
        var supervisedDueSoon: Int
    }

    init(_ message: PlannedMessage, slot: Date, subject: String, clock: LocalClock, digest: Digest? = nil, personal: PersonalList? = nil) {
        figures = digest.map(DigestFigures.init)
        list = personal.map {
            ListFigures(role: $0.role.rawValue, tasks: $0.items.count, overdue: $0.overdue, dueSoon: $0.dueSoon,
                        supervised: $0.supervised.count, supervisedOverdue: $0.supervisedOverdue, supervisedDueSoon: $0.supervisedDueSoon)
        }
        kind = message.kind.rawValue
        level = message.level
        self.slot = clock.iso(slot)
        to = message.to.map { $0.email ?? $0.name }
        cc = message.cc.map { $0.email ?? $0.name }
        self.subject = subject
        items = message.items.map {
            Item(task: $0.identity.task.rawValue, problem: $0.task.problemNumber, rule: $0.identity.rule, about: $0.identity.about.description)
        }
        unreachable = message.unreachable.map(\.description)
    }

    /// The same object through the streaming writer, keys in the encoder's
    /// sorted order.
    func write(to json: inout PrettyJSONWriter) {
        json.beginObject()
        json.field("cc", strings: cc)
        if let figures {
            json.key("figures")
            json.beginObject()
            json.field("averageDaysLateDone", figures.averageDaysLateDone)
            json.field("averageDaysOverdue", figures.averageDaysOverdue)
            json.field("completionRate", figures.completionRate)
            json.field("done", figures.done)
            json.field("lateDone", figures.lateDone)
            json.field("onTimeRate", figures.onTimeRate)
            json.field("overdue", figures.overdue)
            json.field("problems", figures.problems)
            json.field("problemsRectified", figures.problemsRectified)
            json.field("tasks", figures.tasks)
            json.field("week", figures.week)
            json.field("yellow", figures.yellow)
            json.endObject()
        }
        json.key("items")
        json.beginArray()
        for item in items {
            json.beginObject()
            json.field("about", item.about)
            json.field("problem", item.problem)
            json.field("rule", item.rule)
            json.field("task", item.task)
            json.endObject()
        }
        json.endArray()
        json.field("kind", kind)
        json.field("level", level)
        if let list {
            json.key("list")
            json.beginObject()
            json.field("dueSoon", list.dueSoon)
            json.field("overdue", list.overdue)
            json.field("role", list.role)
            json.field("supervised", list.supervised)
            json.field("supervisedDueSoon", list.supervisedDueSoon)
            json.field("supervisedOverdue", list.supervisedOverdue)
            json.field("tasks", list.tasks)
            json.endObject()
        }
        json.field("slot", slot)
        json.field("subject", subject)
        json.field("to", strings: to)
        json.field("unreachable", strings: unreachable)
        json.endObject()
    }

    /// One line of the text timeline.
    static func textLine(_ message: PlannedMessage, slot: Date, subject: String, clock: LocalClock, digest: Digest? = nil,
                         personal: PersonalList? = nil) -> String {
        let day = clock.date(of: slot)
        let weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][day.weekday - 1]
        let kind = message.kind.rawValue + (message.level.map { " L\($0)" } ?? "")
        let to = message.to.map { $0.email ?? $0.name }.joined(separator: ", ")
        let cc = message.cc.isEmpty ? "" : " cc " + message.cc.map { $0.email ?? $0.name }.joined(separator: ", ")
        let tasks = message.items.map { "\($0.identity.task)(\($0.identity.about))" }.joined(separator: " ")
        var line = "\(day) \(weekday) \(clock.timeOfDay(of: slot))  \(kind.padding(toLength: 14, withPad: " ", startingAt: 0)) → \(to)\(cc)\n"
        line += "    \(subject)\n"
        if let digest {
            line += "    figures: \(DigestFigures(digest).text)\n"
        } else if let personal {
            if !personal.items.isEmpty {
                line += "    own: \(personal.items.count) task(s), \(personal.overdue) overdue, \(personal.dueSoon) due within 7 days: "
                    + personal.items.map(\.task.id).joined(separator: " ") + "\n"
            }
            if !personal.supervised.isEmpty {
                line += "    supervised: \(personal.supervised.count) task(s), \(personal.supervisedOverdue) overdue, "
                    + "\(personal.supervisedDueSoon) due within 7 days: " + personal.supervised.map(\.task.id).joined(separator: " ") + "\n"
            }
        } else {
            line += "    tasks: \(tasks)\n"
        }
        if !message.unreachable.isEmpty { line += "    unreachable, sent to the office instead: \(message.unreachable.map(\.description).joined(separator: ", "))\n" }
        return line
    }
}

/// The headline figures of a digest, for `preview` and `simulate`.
struct DigestFigures: Encodable {
    var week: String
    var problems: Int
    var problemsRectified: Int
    var tasks: Int
    var done: Int
    var overdue: Int
    var yellow: Int
    var completionRate: Double
    var onTimeRate: Double?
    var lateDone: Int
    var averageDaysLateDone: Double?
    var averageDaysOverdue: Double?

    init(_ digest: Digest) {
        let c = digest.counts
        week = digest.week.description
        problems = c.problems
        problemsRectified = c.problemsRectified
        tasks = c.tasks
        done = c.done
        overdue = c.overdue
        yellow = digest.lights.yellow
        completionRate = c.completionRate
        onTimeRate = c.onTimeRate
        lateDone = c.lateDone
        averageDaysLateDone = c.averageDaysLateDone
        averageDaysOverdue = c.averageDaysOverdue
    }

    var text: String {
        var parts = ["\(problems) problems (\(problemsRectified) rectified)", "\(tasks) tasks", "\(done) done",
                     "completion rate \(String(format: "%.1f%%", completionRate))"]
        parts.append("on-time rate " + (onTimeRate.map { String(format: "%.1f%%", $0) } ?? "n/a"))
        parts.append("\(overdue) overdue")
        parts.append("\(yellow) yellow")
        return parts.joined(separator: ", ")
    }
}

func encodeJSON<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
}

/// Streams one JSON document to standard output, then a line break (as
/// `print(encodeJSON(…))` would, byte for byte, without building it first).
func printJSON(_ body: (inout PrettyJSONWriter) -> Void) {
    fflush(nil)  // anything print() buffered goes first
    let output = FileHandle.standardOutput
    var json = PrettyJSONWriter { output.write(Data($0)) }
    body(&json)
    json.finish()
    output.write(Data("\n".utf8))
}

/// A `skipped` entry of preview and simulate: `at` (simulate only), the identity and the reason.
func writeSkip(_ skip: SkippedNotification, at: String?, to json: inout PrettyJSONWriter) {
    json.beginObject()
    json.field("at", at)
    json.field("identity", skip.identity.key)
    json.field("reason", skip.reason.rawValue)
    json.endObject()
}

/// Loads the environment or exits 2 with the reason.
func loadEnvironment(_ global: GlobalOptions) throws -> Environment {
    do {
        return try Environment.load(configPath: global.config)
    } catch {
        printErr(error.description)
        printErr("duban: the configuration \(global.config) is unusable")
        throw ExitStatus.configurationUnusable
    }
}
