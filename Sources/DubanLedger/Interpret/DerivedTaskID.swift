public import DubanCore

/// Ids for tasks in a ledger without a 任务编号 column.
///
/// An id is `P<序号>-<8 hex digits>`: the problem number, for people to read,
/// and a hash (FNV-1a, the same in every release) of the problem text, the
/// 整改措施 and the 责任人. It once was the problem number and the task's
/// position, and a row inserted above moved every later task's history (its
/// reminders, its escalation ladder) onto its neighbour: one officer got a
/// second reminder and the new task's officer none. Tied to content, an id
/// stays with its task when rows come and go; an edited task gets a new id and
/// starts over, which `changes(from:to:)` reports.
public enum DerivedTaskID {
    /// What a derived id is made from.
    public struct Content: Hashable, Sendable {
        public var problem: String
        public var measure: String
        public var officer: String

        public init(problem: String, measure: String, officer: String) {
            self.problem = problem
            self.measure = measure
            self.officer = officer
        }
    }

    public static func make(problem number: String, content: Content) -> TaskID {
        var hash = StableHash()
        for part in [content.problem, content.measure, content.officer] {
            // Whitespace around a cell is not content; the separator keeps "ab"+"c" apart from "a"+"bc".
            hash.combine(part.trimmingWhitespace())
            hash.combine(0x1F)
        }
        let hex = String(hash.value & 0xFFFF_FFFF, radix: 16)
        return TaskID("P\(number)-" + String(repeating: "0", count: 8 - hex.count) + hex)
    }

    /// Tasks with a derived id that look like a task of `previous` edited
    /// (`TaskSignature`: same problem, and the same 整改措施 or the same
    /// 责任人), each paired with one old task, under a new id.
    /// Their reminder history does not carry over; each is reported with
    /// where it is now and what it was.
    public static func changes(from previous: LedgerSnapshot, to current: LedgerSnapshot) -> [Diagnostic] {
        let currentIDs = Set(current.tasks.map(\.id))
        let previousIDs = Set(previous.tasks.map(\.id))
        let gone = previous.tasks.filter { !$0.idIsExplicit && !currentIDs.contains($0.id) }
        let new = current.tasks.filter { !$0.idIsExplicit && !previousIDs.contains($0.id) }
        let pairs = TaskSignature.pairEdits(old: gone.map(TaskSignature.init), new: new.map(TaskSignature.init))
        var diagnostics: [Diagnostic] = []
        for (index, task) in new.enumerated() {
            guard let oldIndex = pairs[index] else { continue }
            let old = gone[oldIndex]
            let (before, after) = (TaskSignature(old).officers, TaskSignature(task).officers)
            var edited: [String] = []
            if old.measure != task.measure { edited.append("整改措施") }
            if before != after {
                func names(_ list: [String]) -> String { list.isEmpty ? "none" : list.joined(separator: "、") }
                edited.append("责任人 (\(names(before)) → \(names(after)))")
            }
            if edited.isEmpty { edited.append("问题描述") }
            diagnostics.append(.warning(task.source,
                "task \(task.id) looks like task \(old.id) of the last good ledger with its \(edited.joined(separator: " and ")) edited; "
                + "without a 任务编号 it counts as a new task: its reminders and escalations start over and \(old.id)'s history stays with \(old.id). "
                + "Add a 任务编号 column to keep a task's history through edits"))
        }
        return diagnostics
    }
}
