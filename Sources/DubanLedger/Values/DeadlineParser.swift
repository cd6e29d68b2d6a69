public import DubanCore
import Foundation

/// Reads a 整改时限 cell into a `Deadline`.
///
/// A cell is split into clauses at `，,；;、` and each clause must be
/// understood: `2026年底前，并长期坚持` is a date then ongoing. Any clause Duban
/// cannot read makes the whole cell `.unparsed`: half-understanding a
/// deadline would silently move it.
///
/// Officials also write deadlines relative to the feedback (`3个月内`,
/// `90天内`, `半年内`) and in stages (`2026年6月30日前完成初步整改，年底前全面完成`):
/// every stage but the last becomes a checkpoint named after it, the last is
/// the deadline.
public struct DeadlineParser: Sendable {
    public var dates: DateText

    public init(reference: LocalDate?) {
        dates = DateText(reference: reference)
    }

    public struct Parsed: Equatable, Sendable {
        public var deadline: Deadline
        /// Why the cell was not understood, when it was not.
        public var problem: String?
        /// Earlier stages written in the same cell (初步整改 by June), to be
        /// added to the task's checkpoints.
        public var stages: [Checkpoint] = []

        public init(deadline: Deadline, problem: String? = nil, stages: [Checkpoint] = []) {
            self.deadline = deadline
            self.problem = problem
            self.stages = stages
        }
    }

    public func parse(_ cell: Cell) -> Parsed {
        switch cell {
        case .empty: return Parsed(deadline: .missing)
        case .date(let date): return Parsed(deadline: .by(date))
        case .number(let n):
            return Parsed(deadline: .unparsed(cell.text), problem: "the number \(Cell.format(n)) is not a date; format the cell as a date or write 2026-06-30")
        case .invalid(let reason): return Parsed(deadline: .unparsed(""), problem: reason)
        case .bool, .excelError: return Parsed(deadline: .unparsed(cell.text), problem: "\(cell.text) is not a deadline")
        case .text(let raw): return parse(raw)
        }
    }

    public func parse(_ raw: String) -> Parsed {
        let text = raw.trimmingWhitespace()
        if text.isEmpty { return Parsed(deadline: .missing) }
        var date: LocalDate?
        var ongoing = false, immediate = false
        let clauses = text.foldingFullWidth()
            .split(whereSeparator: { "，,；;、\n".contains($0) })
            .map { $0.trimmingWhitespace() }
            .filter { !$0.isEmpty }
        if let staged = stages(clauses, text: text) { return staged }
        for clause in clauses {
            var words = Self.strip(clause)
            if words.isEmpty { continue }
            if words.contains("长期坚持") || words == "长期" || words.contains("持续整改") || words.contains("常态化") {
                ongoing = true
                words = words.replacingAll(["长期坚持", "持续整改", "常态化"], with: "")
                if Self.strip(words).isEmpty || words == "长期" { continue }
            }
            if words.contains("立行立改") || words.contains("立即整改") || words == "立即" {
                immediate = true
                words = words.replacingAll(["立行立改", "立即整改"], with: "")
                if Self.strip(words).isEmpty || words == "立即" { continue }
                words = Self.strip(words)
            }
            if clause.contains("内"), let relative = relative(words) {
                switch relative {
                case .date(let d):
                    if let existing = date, existing != d {
                        return Parsed(deadline: .unparsed(text), problem: "two different dates (\(existing), \(d)); a task has one deadline — put stages in 中期检查点")
                    }
                    date = d
                    continue
                case .invalid(let why): return Parsed(deadline: .unparsed(text), problem: why)
                case .notADate: break
                }
            }
            switch dates.parse(words) {
            case .date(let d):
                if let existing = date, existing != d {
                    return Parsed(deadline: .unparsed(text), problem: "two different dates (\(existing), \(d)); a task has one deadline — put stages in 中期检查点")
                }
                date = d
            case .invalid(let why):
                return Parsed(deadline: .unparsed(text), problem: why)
            case .notADate:
                return Parsed(deadline: .unparsed(text), problem: "cannot read \"\(clause)\" as a deadline; expected a date such as 2026-06-30 or 2026年6月30日, 6月底前, 2026年底前, 立行立改 or 长期坚持")
            }
        }
        switch (date, immediate, ongoing) {
        case (let d?, false, false): return Parsed(deadline: .by(d))
        case (let d?, false, true): return Parsed(deadline: .byThenOngoing(d))
        case (let d, true, _): return Parsed(deadline: .immediate(d))
        case (nil, false, true): return Parsed(deadline: .ongoing)
        case (nil, false, false): return Parsed(deadline: .unparsed(text), problem: "no date in \"\(text)\"")
        }
    }

    /// `3个月内`, `三个月内`, `半年内`, `1年内` (that many months after the
    /// feedback date, same day of the month), `30日内`, `90天内` (that many
    /// calendar days after it). `clause` is already stripped of 内/前.
    func relative(_ clause: String) -> DateText.Result? {
        let text = DateText.arabicNumerals(clause)
        var months: Int?, days: Int?
        if text == "半年" || text == "半年度" {
            months = 6
        } else if text.hasSuffix("个月"), let n = Int(text.dropLast(2)) {
            months = n
        } else if text.hasSuffix("年"), let n = Int(text.dropLast()) , n <= 5 {
            months = n * 12
        } else if text.hasSuffix("天") || text.hasSuffix("日"), let n = Int(text.dropLast()) {
            days = n
        }
        guard months != nil || days != nil else { return nil }
        guard let feedback = dates.reference else {
            return .invalid("\"\(clause)\" counts from the feedback date and [programme] feedback_date is not set")
        }
        if let months {
            guard (1...120).contains(months) else { return .invalid("\"\(clause)\": \(months) months is implausible for a deadline") }
            return .date(feedback.adding(months: months))
        }
        guard let days, (1...3650).contains(days) else { return .invalid("\"\(clause)\": implausible number of days") }
        return .date(feedback.adding(days: days))
    }

    /// Two or more clauses that each name a date and a stage
    /// (`2026年6月30日前完成初步整改`, `年底前全面完成`). Nil when the cell is not
    /// written in stages: two bare dates stay an error.
    func stages(_ clauses: [String], text: String) -> Parsed? {
        guard clauses.count >= 2 else { return nil }
        var found: [(date: LocalDate, label: String)] = []
        var reference = dates.reference
        for clause in clauses {
            // The date is everything before 前/之前/以前 (or 内 for 3个月内); the stage is what follows.
            guard let cut = [clause.range(of: "前"), clause.range(of: "内")].compactMap({ $0 }).min(by: { $0.lowerBound < $1.lowerBound })
            else { return nil }
            var datePart = String(clause[..<cut.lowerBound])
            for word in ["之", "以"] where datePart.hasSuffix(word) { datePart.removeLast() }
            var label = String(clause[cut.upperBound...]).trimmingWhitespace()
            if label.hasPrefix("完成") && label.count > 2 { label = String(label.dropFirst(2)) }
            guard !label.isEmpty, !label.contains("长期坚持") else { return nil }
            let parser = DateText(reference: reference)
            let dateText = Self.strip(datePart)
            let parsed = clause[cut] == "内" ? relative(dateText) : parser.parse(dateText)
            guard case .date(let day) = parsed else { return nil }
            found.append((day, label))
            // A later stage without a year (年底前) is in the year of the stage before it.
            reference = LocalDate(year: day.year, month: 1, day: 1)
        }
        let ordered = found.sorted { $0.date < $1.date }
        guard ordered.map(\.date) == found.map(\.date), Set(found.map(\.date)).count == found.count else {
            return Parsed(deadline: .unparsed(text), problem: "stages are not in order (\(found.map { "\($0.date) \($0.label)" }.joined(separator: ", ")))")
        }
        let last = found[found.count - 1]
        return Parsed(deadline: .by(last.date), stages: found.dropLast().map { Checkpoint(date: $0.date, label: $0.label) })
    }

    /// Drops the words around a date that do not change it: 并, 于, 在 … 前/之前/以前/完成.
    static func strip(_ clause: String) -> String {
        var s = Substring(clause)
        for prefix in ["并且", "并", "于", "在", "截至", "截止", "到"] where s.hasPrefix(prefix) {
            s = s.dropFirst(prefix.count)
            break
        }
        var changed = true
        while changed {
            changed = false
            for suffix in ["之前", "以前", "前", "完成", "止", "为止", "内"] where s.hasSuffix(suffix) {
                s = s.dropLast(suffix.count)
                changed = true
            }
        }
        return s.trimmingWhitespace()
    }
}

extension String {
    func replacingAll(_ words: [String], with replacement: String) -> String {
        var result = self
        for word in words { result = result.replacingOccurrences(of: word, with: replacement) }
        return result
    }
}
