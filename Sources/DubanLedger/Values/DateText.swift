public import DubanCore
import Foundation

/// Reads the dates people type into ledger cells.
///
/// Understood: `2026-06-30`, `2026/6/30`, `2026.6.30`, `2026年6月30日`
/// (full-width digits too), `20260630`; with a year taken from context:
/// `6月30日`; month ends: `2026年6月底`, `6月底`, `2026年6月`; year ends:
/// `2026年底`, `2026年年底`, `2026年末`; halves and quarters: `2026年上半年`,
/// `2026年三季度`; Chinese numerals in years, months and days (`六月底`,
/// `二〇二六年底`, `十二月三十一日`). Trailing 前/之前/以前/完成 are ignored by
/// the callers.
public struct DateText: Sendable {
    /// The date that completes dates written without a year: the programme's
    /// feedback date. A year-less date falls in the feedback year, or in the
    /// next year when it would otherwise fall before the feedback itself.
    public var reference: LocalDate?

    public init(reference: LocalDate?) {
        self.reference = reference
    }

    public enum Result: Equatable, Sendable {
        case date(LocalDate)
        /// Looks like a date but does not exist or needs a year we lack.
        case invalid(String)
        case notADate
    }

    /// Parses `text` entirely as one date, or says why not.
    public func parse(_ raw: String) -> Result {
        let text = Self.arabicNumerals(raw.foldingFullWidth().filter { !$0.isWhitespace })
        guard !text.isEmpty else { return .notADate }
        var scanner = Scanner(text)

        // Numeric forms: Y-M-D with -, /, . separators, or YYYYMMDD.
        if let year = scanner.number(digits: 4...4) {
            if scanner.atEnd { return .notADate }
            if let sep = scanner.peek, "-/.".contains(sep) {
                scanner.advance()
                guard let month = scanner.number(digits: 1...2) else { return .notADate }
                guard scanner.take(sep), let day = scanner.number(digits: 1...2) else {
                    return scanner.atEnd ? monthEnd(year, month) : .notADate
                }
                guard scanner.atEnd || scanner.rest == "日" else { return .notADate }
                return exact(year, month, day)
            }
            if scanner.take("年") { return yearForms(year, &scanner) }
            return .notADate
        }
        if let compact = scanner.number(digits: 8...8), scanner.atEnd {
            return exact(compact / 10000, compact / 100 % 100, compact % 100)
        }
        // Year-less: 6月30日, 6月底, 年底.
        scanner = Scanner(text)
        if scanner.take("年底") || scanner.take("年末") || scanner.take("年年底") {
            guard scanner.atEnd else { return .notADate }
            guard let reference else { return .invalid("\"\(raw)\" has no year and [programme] feedback_date is not set") }
            return .date(LocalDate(year: reference.year, month: 12, day: 31)!)
        }
        if let month = scanner.number(digits: 1...2), scanner.take("月") {
            guard let reference else { return .invalid("\"\(raw)\" has no year and [programme] feedback_date is not set") }
            let result = monthForms(reference.year, month, &scanner)
            if case .date(let date) = result, date < reference {
                // "2月底" written after a March feedback means next February.
                var next = Scanner(text)
                _ = next.number(digits: 1...2); _ = next.take("月")
                return monthForms(reference.year + 1, month, &next)
            }
            return result
        }
        return .notADate
    }

    /// Rewrites Chinese numerals as digits where dates use them: a run of
    /// four digit characters before 年 is a year read digit by digit
    /// (二〇二六 → 2026); any other run is a number (十二 → 12, 三十一 → 31).
    /// Text without Chinese numerals comes back unchanged.
    static func arabicNumerals(_ text: String) -> String {
        let digits: [Character: Int] = ["〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
                                        "六": 6, "七": 7, "八": 8, "九": 9]
        guard text.contains(where: { digits[$0] != nil || $0 == "十" }) else { return text }
        var result = ""
        var run: [Character] = []
        func flush(before next: Character?) {
            defer { run.removeAll() }
            guard !run.isEmpty else { return }
            if next == "年", run.count == 4, !run.contains("十") {
                result += run.map { String(digits[$0]!) }.joined()
                return
            }
            // 十 is ten; 十二 is twelve; 二十 is twenty; 三十一 is thirty-one.
            guard let ten = run.firstIndex(of: "十") else {
                result += run.count == 1 ? String(digits[run[0]]!) : String(run)
                return
            }
            let tens = ten == run.startIndex ? 1 : (run.count == 3 || ten == 1 ? digits[run[0]] : nil)
            let units = ten == run.index(before: run.endIndex) ? 0 : digits[run[run.index(after: ten)]]
            if let tens, let units, run.count <= 3, run.filter({ $0 == "十" }).count == 1 {
                result += String(tens * 10 + units)
            } else {
                result += String(run)
            }
        }
        for ch in text {
            if digits[ch] != nil || ch == "十" {
                run.append(ch)
            } else {
                flush(before: ch)
                result.append(ch)
            }
        }
        flush(before: nil)
        return result
    }

    private func yearForms(_ year: Int, _ scanner: inout Scanner) -> Result {
        if scanner.take("年底") || scanner.take("底") || scanner.take("末") || scanner.take("年末") || scanner.take("全年") {
            return scanner.atEnd ? exact(year, 12, 31) : .notADate
        }
        if scanner.take("上半年") { return scanner.atEnd ? exact(year, 6, 30) : .notADate }
        if scanner.take("下半年") { return scanner.atEnd ? exact(year, 12, 31) : .notADate }
        _ = scanner.take("第")
        for (word, month) in [("一季度", 3), ("二季度", 6), ("三季度", 9), ("四季度", 12),
                              ("1季度", 3), ("2季度", 6), ("3季度", 9), ("4季度", 12)] where scanner.take(word) {
            _ = scanner.take("末")
            return scanner.atEnd ? monthEnd(year, month) : .notADate
        }
        guard let month = scanner.number(digits: 1...2), scanner.take("月") else { return .notADate }
        return monthForms(year, month, &scanner)
    }

    private func monthForms(_ year: Int, _ month: Int, _ scanner: inout Scanner) -> Result {
        if scanner.atEnd || scanner.take("底") || scanner.take("末") || scanner.take("份") {
            return scanner.atEnd ? monthEnd(year, month) : .notADate
        }
        guard let day = scanner.number(digits: 1...2) else { return .notADate }
        _ = scanner.take("日") || scanner.take("号")
        return scanner.atEnd ? exact(year, month, day) : .notADate
    }

    private func exact(_ year: Int, _ month: Int, _ day: Int) -> Result {
        guard let date = LocalDate(year: year, month: month, day: day) else {
            return .invalid(String(format: "%04d-%02d-%02d is not a real date", year, month, day))
        }
        guard (1990...2200).contains(year) else { return .invalid("the year \(year) is implausible for a ledger") }
        return .date(date)
    }

    private func monthEnd(_ year: Int, _ month: Int) -> Result {
        guard let date = LocalDate.lastDay(ofMonth: month, year: year) else { return .invalid("month \(month) does not exist") }
        return exact(date.year, date.month, date.day)
    }
}

/// A tiny cursor over Characters for the formats above.
struct Scanner {
    private let chars: [Character]
    private var index = 0

    init(_ text: String) { chars = Array(text) }

    var atEnd: Bool { index >= chars.count }
    var peek: Character? { atEnd ? nil : chars[index] }
    var rest: String { String(chars[index...]) }
    mutating func advance() { index += 1 }

    mutating func take(_ literal: String) -> Bool {
        let literalChars = Array(literal)
        guard index + literalChars.count <= chars.count,
              Array(chars[index..<(index + literalChars.count)]) == literalChars else { return false }
        index += literalChars.count
        return true
    }

    mutating func take(_ ch: Character) -> Bool {
        guard peek == ch else { return false }
        index += 1
        return true
    }

    /// Reads ASCII digits whose count is in `digits`; leaves the cursor alone otherwise.
    mutating func number(digits: ClosedRange<Int>) -> Int? {
        var end = index
        while end < chars.count, let d = chars[end].asciiValue, (48...57).contains(d) { end += 1 }
        let count = end - index
        guard digits.contains(count), count <= 9 else { return nil }
        var value = 0
        for ch in chars[index..<end] { value = value * 10 + Int(ch.asciiValue! - 48) }
        index = end
        return value
    }
}
