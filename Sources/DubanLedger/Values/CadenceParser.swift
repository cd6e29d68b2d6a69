public import DubanCore

/// Reads how often a standing measure (长期坚持) is carried out: a 执行频次
/// cell (每季度, 每季度一次, 按月, 半年一次, 年度 …) or the words of the 整改措施
/// itself (每季度抽查一次, 每月通报, 每半年开展一次 …).
///
/// A cell or text naming several cadences (每月自查、每季度抽查) takes the
/// shortest: the officer owes an execution in each of its periods. Cadences
/// Duban does not supervise (每天, 每两周, 不定期) are unreadable, never
/// rounded to a neighbour.
public enum CadenceParser {
    public enum Result: Equatable, Sendable {
        case cadence(StandingCadence)
        /// The cell is empty, or the text names no cadence.
        case none
        /// A 执行频次 cell Duban cannot read, with why.
        case unreadable(String)
    }

    /// Words of a 执行频次 cell, per cadence.
    static let cellWords: [(StandingCadence, [String])] = [
        (.weekly, ["每周", "每星期", "每个星期", "一周一次", "周度", "按周", "每一周"]),
        (.monthly, ["每月", "每个月", "一月一次", "一个月一次", "月度", "按月", "每一个月"]),
        (.quarterly, ["每季度", "每个季度", "每季", "一季度一次", "季度", "按季"]),
        (.halfYearly, ["每半年", "半年一次", "半年度", "按半年"]),
        (.yearly, ["每年", "每一年", "一年一次", "年度", "按年", "每年度"]),
    ]

    /// Words that mark a cadence in running text: only the 每… forms, so a
    /// date such as 2026年一季度 or 年底前 is never read as one.
    static let textWords: [(StandingCadence, [String])] = [
        (.weekly, ["每周", "每星期", "每个星期"]),
        (.monthly, ["每月", "每个月"]),
        (.quarterly, ["每季度", "每个季度", "每季"]),
        (.halfYearly, ["每半年"]),
        (.yearly, ["每年", "每一年"]),
    ]

    /// Periods Duban does not supervise, named in the error.
    static let unsupported = ["每天", "每日", "每两", "每2", "每隔", "双周", "两周", "每三", "每3", "不定期", "随时"]

    /// A 执行频次 cell.
    public static func parse(cell raw: String) -> Result {
        let text = normalise(raw)
        if text.isEmpty { return .none }
        if let word = unsupported.first(where: { text.contains($0) }) {
            return .unreadable("\"\(raw)\" (\(word)) is not a cadence Duban supervises; write 每周, 每月, 每季度, 每半年 or 每年")
        }
        // 半年 inside 每半年 / 半年度 must not also read as 每年 / 年度: take the shortest anyway.
        let found = cellWords.filter { _, words in words.contains { text.contains($0) } }.map(\.0)
        guard let shortest = found.first else {
            return .unreadable("\"\(raw)\" is not a cadence; write 每周, 每月, 每季度, 每半年 or 每年 (with 一次, 抽查, 通报 … around it if you like)")
        }
        return .cadence(shortest)
    }

    /// The shortest cadence named in running text (the 整改措施), or nil.
    public static func parse(text raw: String) -> StandingCadence? {
        // Every text word starts with 每, which normalising neither makes nor
        // removes (no other character folds or decomposes to it): a text
        // without it names no cadence. Most 整改措施 are long and have none,
        // and normalising each of them was a twentieth of loading a ledger.
        guard containsMei(raw) else { return nil }
        let text = normalise(raw)
        guard text.contains("每") else { return nil }
        return textWords.first { _, words in words.contains { text.contains($0) } }?.0
    }

    /// Whether the UTF-8 of `text` holds 每 (U+6BCF: E6 AF 8F).
    static func containsMei(_ text: String) -> Bool {
        var before: (UInt8, UInt8) = (0, 0)
        for byte in text.utf8 {
            if byte == 0x8F, before == (0xE6, 0xAF) { return true }
            before = (before.1, byte)
        }
        return false
    }

    static func normalise(_ raw: String) -> String {
        raw.foldingFullWidth().filter { !$0.isWhitespace }
    }
}
