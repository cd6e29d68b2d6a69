public import DubanCore
import Foundation

/// Reads a 整改时限 cell into a `Deadline`.
///
/// A cell is split into clauses at `，,；;、` and each clause must be
/// understood: `2026年底前，并长期坚持` is a date then ongoing. Any clause Duban
/// cannot read makes the whole cell `.unparsed`: half-understanding a
/// deadline would silently move it.
public struct DeadlineParser: Sendable {
    public var dates: DateText

    public init(reference: LocalDate?) {
        dates = DateText(reference: reference)
    }

    public struct Parsed: Equatable, Sendable {
        public var deadline: Deadline
        /// Why the cell was not understood, when it was not.
        public var problem: String?
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
