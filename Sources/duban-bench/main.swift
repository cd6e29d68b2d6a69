// duban-bench: times the stages of a pass separately, for bench/run.
//
//     duban-bench CONFIG [AT [SIMULATE-UNTIL]]
//     duban-bench smtp PORT COUNT      (messages per second to a local SMTP server)
//
// Prints one line per stage: name, seconds, and a count. Not shipped in the
// install; timings are figures for comparing builds, never pass/fail.
import DubanCore
import DubanDaemon
import DubanMail
import Foundation

func measure<T>(_ name: String, _ body: () throws -> T, count: (T) -> String) rethrows -> T {
    let start = DispatchTime.now().uptimeNanoseconds
    let value = try body()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    print(name.padding(toLength: 20, withPad: " ", startingAt: 0) + String(format: "%8.3f s  ", seconds) + count(value))
    return value
}

func measure<T>(_ name: String, _ body: () async throws -> T, count: (T) -> String) async rethrows -> T {
    let start = DispatchTime.now().uptimeNanoseconds
    let value = try await body()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    print(name.padding(toLength: 20, withPad: " ", startingAt: 0) + String(format: "%8.3f s  ", seconds) + count(value))
    return value
}

let arguments = CommandLine.arguments
if arguments.count == 4, arguments[1] == "smtp", let port = Int(arguments[2]), let count = Int(arguments[3]) {
    // Realistic messages: a Chinese reminder with an .ics, about 6 KB each.
    let envelopes = (0..<count).map { i in
        let mail = MailMessage(from: Contact(name: "整改办", email: "duban@example.org"), to: [Contact(name: "张伟", email: "zhang.wei@example.org")],
                               subject: "【整改提醒】您有3项整改任务将于2026-06-30到期", date: Date(), messageID: "bench-\(i)@example.org",
                               text: String(repeating: "整改措施落实到位，按时报送佐证材料。\n", count: 60),
                               html: "<p>" + String(repeating: "整改措施落实到位，按时报送佐证材料。", count: 60) + "</p>")
        return Envelope(messageID: "bench-\(i)", from: "duban@example.org", recipients: ["zhang.wei@example.org"], data: MIMEWriter.write(mail))
    }
    let transport = SMTPTransport(settings: SMTPSettings(host: "127.0.0.1", port: port, security: .plain))
    let start = DispatchTime.now().uptimeNanoseconds
    var delivered = 0
    for batch in stride(from: 0, to: count, by: 100).map({ Array(envelopes[$0..<min($0 + 100, count)]) }) {
        for result in await transport.deliver(batch) { if case .delivered = result { delivered += 1 } }
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    print("smtp                 " + String(format: "%8.3f s  %d of %d delivered, %.0f messages/s", seconds, delivered, count, Double(delivered) / seconds))
    exit(delivered == count ? 0 : 1)
}
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
    let today = environment.clock.date(of: at)
    let digest = measure("digest (build)", { DigestBuilder(planner: environment.planner).build(week: ISOWeek(containing: today), today: today, .init(snapshot: snapshot, previous: (ISOWeek(containing: today).previous, snapshot))) },
                         count: { "\($0.counts.tasks) tasks, \($0.overdue.count) overdue rows" })
    _ = try measure("digest (render)", { try environment.composer.composeDigest(digest, to: environment.configuration.digest.recipients, audience: nil,
                                                                         identity: DigestSchedule.identity(digest.week), slot: at) },
                count: { "\(MIMEWriter.write($0).count / 1024) KiB mail" })
    if arguments.count > 3, let until = environment.clock.parse(arguments[3]) {
        _ = try await measure("simulate", { try await Simulation(environment: environment).run(snapshot, from: at, to: until) },
                        count: { "\($0.entries.count) messages" })
    }
} catch {
    FileHandle.standardError.write(Data("duban-bench: \(error)\n".utf8))
    exit(2)
}
