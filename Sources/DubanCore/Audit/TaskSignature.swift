/// What tells that a task with a derived id (no 任务编号) is an earlier task
/// edited rather than a new one: the same problem, and the same 整改措施 or
/// the same 责任人. One rule for `check`'s "looks like task … edited" and for
/// the 台账异常 history, so that a row `check` calls edited is never also
/// called deleted.
public struct TaskSignature: Hashable, Sendable {
    public var problemNumber: String
    public var measure: String
    /// The 责任人 cell's names: the officer, then those copied.
    public var officers: [String]

    public init(problemNumber: String, measure: String, officers: [String]) {
        self.problemNumber = problemNumber
        self.measure = measure
        self.officers = officers
    }

    public init(_ task: RectificationTask) {
        self.init(problemNumber: task.problemNumber, measure: task.measure,
                  officers: (task.officer.map { [$0.name] } ?? []) + task.coOfficers.map(\.name))
    }

    /// Whether this task looks like `old` edited. A blank 责任人 on both is
    /// nobody in common: two blank-officer tasks are not the same person's.
    public func looksEdited(from old: TaskSignature) -> Bool {
        problemNumber == old.problemNumber && (measure == old.measure || (!officers.isEmpty && officers == old.officers))
    }

    /// Pairs each of `new`, in order, with the first of `old` not yet paired
    /// that it looks edited from: one new task is the edit of one old task.
    /// Returns index in `new` → index in `old`.
    public static func pairEdits(old: [TaskSignature], new: [TaskSignature]) -> [Int: Int] {
        var byProblem: [String: [Int]] = [:]
        for (index, signature) in old.enumerated() { byProblem[signature.problemNumber, default: []].append(index) }
        var paired: [Int: Int] = [:]
        for (index, signature) in new.enumerated() {
            guard var candidates = byProblem[signature.problemNumber],
                  let position = candidates.firstIndex(where: { signature.looksEdited(from: old[$0]) }) else { continue }
            paired[index] = candidates.remove(at: position)
            byProblem[signature.problemNumber] = candidates
        }
        return paired
    }
}
