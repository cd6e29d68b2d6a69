/// Decides which cell styles are dates. Excel has no date type: a date is a
/// number whose number format displays it as one.
enum NumberFormats {
    /// Built-in format ids that show dates: 14–22 (international), 27–36 and
    /// 50–58 (the East Asian ids, which zh-CN workbooks use for 2026年6月30日).
    static func isBuiltInDate(_ id: Int) -> Bool {
        (14...22).contains(id) || (27...36).contains(id) || (50...58).contains(id)
    }

    /// A custom format is a date format when, outside quoted text, escapes and
    /// [brackets], it has a year or day part, or months without hours/seconds
    /// (in `h:mm`, `m` means minutes).
    static func isDateFormat(_ code: String) -> Bool {
        var letters = Set<Character>()
        var inQuote = false, inBracket = false, escaped = false
        // Only the first section matters: "yyyy-mm-dd;@" or "0.00;[Red]-0.00".
        for ch in code {
            if escaped { escaped = false; continue }
            if inQuote { if ch == "\"" { inQuote = false }; continue }
            if inBracket { if ch == "]" { inBracket = false }; continue }
            switch ch {
            case "\\", "_", "*": escaped = true
            case "\"": inQuote = true
            case "[": inBracket = true
            case ";": break
            default: letters.insert(Character(ch.lowercased()))
            }
            if ch == ";" { break }
        }
        if letters.contains("y") || letters.contains("d") { return true }
        if letters.contains("m") && !letters.contains("h") && !letters.contains("s") { return true }
        return false
    }
}
