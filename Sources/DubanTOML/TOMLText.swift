// Helpers for TOML text shared by duban.toml, calendar files and the people
// directory: line numbers for errors, and the guard TOMLKit needs.
import Foundation

/// Finds line numbers in TOML text, since TOMLKit reports positions only for
/// syntax errors. Good enough to point an operator at the right table.
public enum ConfigLines {
    /// The line of the `index`-th `[[name]]` header, 1-based.
    public static func line(ofArrayTable name: String, index: Int, in text: String) -> Int? {
        var seen = -1
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.trimmingCharacters(in: .whitespaces) == "[[\(name)]]" {
                seen += 1
                if seen == index { return number + 1 }
            }
        }
        return nil
    }
}

extension ConfigLines {
    /// The line of `key = …` inside `[table]` (dotted, e.g. `ledger.columns`),
    /// or of the table header itself when `key` is nil. Top-level keys use an
    /// empty table name.
    public static func line(ofKey key: String?, inTable table: String, in text: String) -> Int? {
        var inTable = table.isEmpty
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                let name = line.trimmingCharacters(in: ["[", "]"]).split(separator: "#").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                inTable = name.replacingOccurrences(of: "\"", with: "") == table
                if inTable, key == nil { return number + 1 }
                continue
            }
            guard inTable, let key, let equals = line.firstIndex(of: "=") else { continue }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\"", with: "")
            if name == key { return number + 1 }
        }
        return nil
    }
}

/// Guards TOMLKit's parser (toml++ 3) against input it asserts on instead of
/// reporting: fuzzing found that a table header whose name does not start
/// with a bare-key character or a quote (`[.a]`, `[通知]`, `[)]`) aborts the
/// process, as does a line that is only `[`. Such text is refused here with a
/// syntax error like any other. (A nested array written with `[` alone on a
/// line is refused too; Duban's files have no nested arrays.)
public enum TOMLInputGuard {
    public static func problem(in text: String) -> (line: Int, column: Int, message: String)? {
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let chars = Array(line)
            var i = 0
            while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 }
            guard i < chars.count, chars[i] == "[" else { continue }
            while i < chars.count, chars[i] == "[" { i += 1 }
            while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 }
            guard i < chars.count, chars[i] != "\r" else {
                return (index + 1, i + 1, "a table header needs a name after '['")
            }
            let first = chars[i]
            let allowed = (first.isASCII && (first.isLetter || first.isNumber)) || "_-\"'".contains(first)
            if !allowed {
                return (index + 1, i + 1, "a table name must start with a letter, digit, _ or -, or be quoted (\"…\"), not '\(first)'")
            }
        }
        return nil
    }
}
