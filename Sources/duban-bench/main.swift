// duban-bench: times the stages of a pass separately, for bench/run.
//
//     duban-bench CONFIG [AT]
//
// Prints one line per stage: name, seconds, and a count. Not shipped in the
// install; timings are figures for comparing builds, never pass/fail.
import DubanCore
import DubanDaemon
import Foundation

func measure<T>(_ name: String, _ body: () throws -> T, count: (T) -> String) rethrows -> T {
    let start = DispatchTime.now().uptimeNanoseconds
    let value = try body()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    print(name.padding(toLength: 20, withPad: " ", startingAt: 0) + String(format: "%8.3f s  ", seconds) + count(value))
    return value
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: duban-bench CONFIG [AT]\n".utf8))
    exit(64)
}
do {
    let environment = try Environment.load(configPath: arguments[1])
    let at = environment.clock.parse(arguments.count > 2 ? arguments[2] : "2026-07-01T09:00")!
    let snapshot = measure("load ledger", { environment.loadLedger() }, count: { "\($0.tasks.count) tasks" })
    let plan = measure("plan (empty log)", { environment.planner.plan(snapshot, log: [], now: at) },
                       count: { "\($0.messages.count) messages, \($0.messages.reduce(0) { $0 + $1.items.count }) items, \($0.skipped.count) skipped" })
    let log = Set(plan.messages.flatMap { $0.items.map(\.identity) } + plan.skipped.map(\.identity))
    _ = measure("plan (all logged)", { environment.planner.plan(snapshot, log: log, now: at) },
                count: { "\($0.messages.count) messages" })
    if arguments.count > 3, let until = environment.clock.parse(arguments[3]) {
        _ = try measure("simulate", { try Simulation(environment: environment).run(snapshot, from: at, to: until) },
                        count: { "\($0.entries.count) messages" })
    }
} catch {
    FileHandle.standardError.write(Data("duban-bench: \(error)\n".utf8))
    exit(2)
}
