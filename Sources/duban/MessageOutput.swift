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

    init(_ message: PlannedMessage, slot: Date, subject: String, clock: LocalClock) {
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

    /// One line of the text timeline.
    static func textLine(_ message: PlannedMessage, slot: Date, subject: String, clock: LocalClock) -> String {
        let day = clock.date(of: slot)
        let weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][day.weekday - 1]
        let kind = message.kind.rawValue + (message.level.map { " L\($0)" } ?? "")
        let to = message.to.map { $0.email ?? $0.name }.joined(separator: ", ")
        let cc = message.cc.isEmpty ? "" : " cc " + message.cc.map { $0.email ?? $0.name }.joined(separator: ", ")
        let tasks = message.items.map { "\($0.identity.task)(\($0.identity.about))" }.joined(separator: " ")
        var line = "\(day) \(weekday) \(clock.timeOfDay(of: slot))  \(kind.padding(toLength: 14, withPad: " ", startingAt: 0)) → \(to)\(cc)\n"
        line += "    \(subject)\n    tasks: \(tasks)\n"
        if !message.unreachable.isEmpty { line += "    unreachable, sent to the office instead: \(message.unreachable.map(\.description).joined(separator: ", "))\n" }
        return line
    }
}

func encodeJSON<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
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
