/// A 责任人 cell that names several people: `张伟、王芳`, `张伟/王芳`,
/// `张伟，王芳`, `张伟；王芳`, `张伟 王芳`. Taken as one person, such a cell is
/// nobody in the people directory and the mail silently goes to the office;
/// split, each name is looked up on its own.
///
/// Spaces separate names only between Chinese names of two or more
/// characters: `张 伟` (a two-character name padded to line up with
/// three-character ones, common in official tables) and `John Smith` stay one
/// name each.
enum NameList {
    static let separators: Set<Character> = ["、", "/", "／", "，", ",", "；", ";"]

    static func split(_ text: String) -> [String] {
        // Most cells hold one plain name: skip the grapheme-level split for them.
        // A switch rather than a set and Unicode's property table: this runs on every row.
        guard text.unicodeScalars.contains(where: { isSeparator($0) || $0.isSpace }) else {
            return text.isEmpty ? [] : [text]
        }
        var names: [String] = []
        for part in text.split(whereSeparator: { separators.contains($0) }) {
            let piece = String(part).trimmingWhitespace()
            guard !piece.isEmpty else { continue }
            let words = piece.split(whereSeparator: \.isWhitespace).map(String.init)
            if words.count > 1, words.allSatisfy({ $0.count >= 2 && $0.unicodeScalars.allSatisfy(isHan) }) {
                names += words
            } else {
                names.append(piece)
            }
        }
        return names
    }

    /// The middle dots of transliterated names (阿卜杜·热合曼), as the different input methods type them.
    private static let nameDots: Set<Unicode.Scalar> = ["\u{00B7}", "\u{2022}", "\u{30FB}"]

    /// The scalars of `separators`, spelled out.
    private static func isSeparator(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "、", "/", "／", "，", ",", "；", ";": return true
        default: return false
        }
    }

    private static func isHan(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isIdeographic || nameDots.contains(scalar)
    }
}
