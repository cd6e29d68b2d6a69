import Foundation

/// What a 回头看 look-back found (column 回头看结果).
public enum LookBackResult: String, Sendable, Hashable, Codable, CaseIterable {
    /// 有效 / 已巩固: the fix held; the loop is closed for good.
    case effective
    /// 部分有效: part of the problem is back — a rebound.
    case partial
    /// 反弹 / 未巩固 / 无效: the problem is back — a rebound.
    case rebound

    /// Whether the result reopens the loop (a 反弹 notice goes out).
    public var isRebound: Bool { self != .effective }

    /// The word shown to users.
    public var label: String {
        switch self {
        case .effective: return "有效"
        case .partial: return "部分有效"
        case .rebound: return "反弹"
        }
    }

    /// The words offices write, as accepted in the ledger. Listed for the
    /// diagnostic of an unknown word.
    public static let words: [(String, LookBackResult)] = [
        ("部分有效", .partial), ("部分巩固", .partial),
        ("未巩固", .rebound), ("反弹", .rebound), ("有反弹", .rebound), ("无效", .rebound),
        ("有效", .effective), ("已巩固", .effective), ("巩固", .effective), ("无反弹", .effective), ("未反弹", .effective),
    ]

    /// Reads a 回头看结果 cell: the first known word it starts with (so
    /// "有效，无反弹" is effective); nil for an unknown word.
    public static func parse(_ text: String) -> LookBackResult? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for (word, result) in words where trimmed.hasPrefix(word) { return result }
        return nil
    }
}
