import DubanCore
import DubanLedger
import DubanStore
import Foundation

/// Carries a database written by a release that derived task ids from a
/// row's position (`3-2`) over to ids derived from content (`P3-1a2b3c4d`,
/// see `DerivedTaskID`). Without it, the first pass after the upgrade would
/// see every such task as new: reminders already sent would go out again and
/// every overdue task would jump the escalation ladder.
///
/// Old and new tasks are matched by content (problem, 整改措施, 责任人) between
/// the ledger as last stored and the ledger now; only unambiguous matches
/// move. Runs once per database.
enum TaskIDUpgrade {
    static let scheme = "content-v1"

    static func adopt(current: LedgerSnapshot, database: any StateStore) async throws {
        guard try await database.meta("task_id_scheme") != scheme else { return }
        let derived = current.tasks.filter { !$0.idIsExplicit }
        // A fallback to the stored copy still has old ids: wait for a ledger read by this release.
        guard derived.allSatisfy(isContentDerived) else { return }
        var previous = try await database.lastGoodSnapshot()
        if previous == nil { previous = try await database.latestDigestSnapshot()?.snapshot }
        var mapping: [TaskID: TaskID] = [:]
        if let previous {
            let now = Dictionary(grouping: derived, by: key)
            let before = Dictionary(grouping: previous.tasks.filter { !$0.idIsExplicit && !isContentDerived($0) }, by: key)
            for (content, olds) in before {
                guard olds.count == 1, let news = now[content], news.count == 1 else { continue }
                mapping[olds[0].id] = news[0].id
            }
        }
        try await database.adoptTaskIDs(mapping, scheme: scheme)
    }

    struct Key: Hashable {
        var problem: String
        var measure: String
        var officer: String
    }

    static func key(_ task: RectificationTask) -> Key {
        Key(problem: task.problemNumber, measure: task.measure, officer: task.officer?.name ?? "")
    }

    /// `P<序号>-<8 hex>`, optionally `-N` for identical rows.
    static func isContentDerived(_ task: RectificationTask) -> Bool {
        let id = task.id.rawValue
        guard id.hasPrefix("P\(task.problemNumber)-") else { return false }
        let rest = id.dropFirst(task.problemNumber.count + 2).split(separator: "-")
        guard let hash = rest.first, hash.count == 8, hash.allSatisfy(\.isHexDigit) else { return false }
        return rest.count == 1 || (rest.count == 2 && Int(rest[1]) != nil)
    }
}
