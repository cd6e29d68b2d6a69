import DubanCore
import DubanStore
import Foundation
import Hummingbird

/// The console's routes. Every route is a GET that reads; none writes.
enum ConsoleRouter {
    static func make(source: ConsoleSource, users: ConsoleUsers?) -> Router<BasicRequestContext> {
        let router = Router()
        if let users { router.add(middleware: BasicAuthMiddleware(users: users)) }

        router.get("/healthz") { _, _ -> Response in
            let health = await source.health()
            return plain(health.isHealthy ? .ok : .serviceUnavailable, health.reason + "\n")
        }
        router.get("/metrics") { _, _ -> Response in
            plain(.ok, try await source.metricsText(), type: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.get("/") { _, _ -> Response in
            try await render(source) { pages, health in
                let database = source.database
                let facts = try await database.consoleFacts()
                let week = ISOWeek(containing: pages.today)
                let builder = DigestBuilder(planner: pages.pass.planner)
                let digests = try await database.consoleSnapshots().filter { $0.purpose == "digest" }
                let previous = digests.filter { $0.key < week.description }.last.flatMap { stored in
                    ISOWeek(stored.key).map { (week: $0, snapshot: stored.snapshot) }
                }
                let digest = builder.build(week: week, today: pages.today, .init(
                    snapshot: pages.pass.snapshot, previous: previous, highestEscalation: facts.highestEscalation, failedMail: facts.outbox.failed))
                let trend = digests.compactMap { stored -> (week: String, rate: Double)? in
                    guard let week = ISOWeek(stored.key) else { return nil }
                    return (stored.key, builder.build(week: week, today: week.monday, .init(snapshot: stored.snapshot)).counts.completionRate)
                }
                return (.ok, pages.overview(digest, trend: trend, facts: facts, health: health))
            }
        }
        router.get("/tasks") { request, _ -> Response in
            try await render(source) { pages, health in
                guard let digest = await source.digest(now: pages.now) else { return (.serviceUnavailable, "") }
                let query = request.uri.queryParameters
                func value(_ key: String) -> String { query[key[...]].map { String($0).replacingOccurrences(of: "+", with: " ") } ?? "" }
                var filter = Pages.TaskFilter(department: value("department"), leader: value("leader"), light: value("light"),
                                              status: value("status"), text: value("q"))
                if Pages.TaskFilter.sorts.contains(value("sort")) { filter.sort = value("sort") }
                filter.descending = value("order") == "desc"
                return (.ok, pages.tasks(digest, filter: filter, health: health))
            }
        }
        router.get("/task") { request, _ -> Response in
            try await render(source) { pages, health in
                let id = request.uri.queryParameters["id"].map(String.init) ?? ""
                let snapshot = pages.pass.snapshot
                guard let task = snapshot.tasks.first(where: { $0.id.rawValue == id }) else {
                    return (.notFound, pages.notFound(id, health: health))
                }
                let database = source.database
                let logged = try await database.loggedIdentities()
                let facts = try await database.plannerFacts(LedgerSnapshot(problems: [], tasks: [task]), planner: pages.pass.planner, today: pages.today)
                let notices = try await database.consoleNotices(task: task.id)
                let history = self.history(of: task, in: try await database.consoleSnapshots(), pages: pages)
                let row = await source.digest(now: pages.now)?.tasks.first { $0.id == id }
                let problem = snapshot.problems.first { $0.number == task.problemNumber }
                return (.ok, pages.task(task, row: row, problem: problem, history: history, notices: notices, log: logged, facts: facts, health: health))
            }
        }
        router.get("/mail") { _, _ -> Response in
            try await render(source) { pages, health in
                let database = source.database
                let messages = try await database.consoleMessages()
                let log = try await database.consoleNotices(limit: 500)
                return (.ok, pages.mail(messages, log: log, health: health))
            }
        }
        router.get("/ledger") { _, _ -> Response in
            try await render(source) { pages, health in (.ok, pages.problems(health: health)) }
        }
        return router
    }

    /// The task's deadline and status as each stored snapshot and the current
    /// ledger saw them, keeping only the moments something changed.
    static func history(of task: RectificationTask, in snapshots: [DubanDatabase.ConsoleSnapshot], pages: Pages)
        -> [(taken: Date, label: String, deadline: String, status: String)] {
        let w = pages.words
        func describe(_ t: RectificationTask) -> (String, String) {
            (t.deadlineText + (pages.pass.planner.dueDate(t).map { " → \($0)" } ?? ""), "\(t.statusText) (\(w.status(t.status)))")
        }
        var result: [(taken: Date, label: String, deadline: String, status: String)] = []
        var seen: [(taken: Date, label: String, task: RectificationTask)] = snapshots.compactMap { stored in
            guard let found = stored.snapshot.tasks.first(where: { $0.id == task.id }) else { return nil }
            let label = stored.purpose == "digest" ? w("周报快照 ", "digest ") + stored.key : w("上次完好的台账", "last good ledger")
            return (stored.takenAt, label, found)
        }
        seen.append((pages.pass.finishedAt, w("当前台账", "current ledger"), task))
        for entry in seen {
            let (deadline, status) = describe(entry.task)
            if let last = result.last, last.deadline == deadline, last.status == status { continue }
            result.append((entry.taken, entry.label, deadline, status))
        }
        return result
    }

    private static func render(_ source: ConsoleSource, _ body: (Pages, ConsoleHealth) async throws -> (HTTPResponse.Status, Markup)) async throws -> Response {
        let (pass, now) = await source.current()
        guard let pass else { return plain(.serviceUnavailable, "no pass has finished yet\n") }
        let health = await source.health()
        let (status, markup) = try await body(Pages(settings: source.settings, pass: pass, now: now), health)
        var response = Response(status: status, body: .init(byteBuffer: ByteBuffer(string: markup.rendered)))
        response.headers[.contentType] = "text/html; charset=utf-8"
        secure(&response)
        return response
    }

    private static func plain(_ status: HTTPResponse.Status, _ text: String, type: String = "text/plain; charset=utf-8") -> Response {
        var response = Response(status: status, body: .init(byteBuffer: ByteBuffer(string: text)))
        response.headers[.contentType] = type
        secure(&response)
        return response
    }

    /// No script, frame, form target or resource from elsewhere, whatever a page contains.
    private static func secure(_ response: inout Response) {
        response.headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.cacheControl] = "no-store"
    }
}
