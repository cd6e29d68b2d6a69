public import DubanCore
public import Foundation
public import TOMLKit

/// Typed, checked access to TOML tables that records every problem with the
/// key's dotted name and line.
public struct TOMLChecker {
    public let text: String
    public let file: String
    /// Relative paths in the file are resolved against this folder.
    public let folder: URL
    public private(set) var diagnostics: [Diagnostic] = []

    public init(text: String, file: String, folder: URL) {
        self.text = text
        self.file = file
        self.folder = folder
    }

    /// Records a problem that is not about one key (a missing section).
    public mutating func report(_ diagnostic: Diagnostic) {
        diagnostics.append(diagnostic)
    }

    public mutating func error(_ key: String?, in table: String, _ message: String) {
        let name = [table, key].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ".")
        // `key = …` inside the table, else a `[table.key]` section, else the table's header.
        let line = ConfigLines.line(ofKey: key, inTable: table, in: text)
            ?? ConfigLines.line(ofKey: nil, inTable: name, in: text)
            ?? ConfigLines.line(ofKey: nil, inTable: table, in: text)
        diagnostics.append(.error(SourceLocation(file: file, row: line), "\(name): \(message)"))
    }

    /// Reports keys that are not in `keys`: a typo must not be silently ignored.
    public mutating func allow(_ table: TOMLTable?, in name: String, keys: Set<String>) {
        guard let table else { return }
        for key in table.keys.sorted() where !keys.contains(key) {
            error(key, in: name, "unknown key; expected one of \(keys.sorted().joined(separator: ", "))")
        }
    }

    public mutating func table(_ parent: TOMLTable?, _ key: String, in name: String, required: Bool = false) -> TOMLTable? {
        let path = name.isEmpty ? key : "\(name).\(key)"
        guard let value = parent?[key] else {
            if required, parent != nil || name.isEmpty { diagnostics.append(.error(SourceLocation(file: file), "[\(path)]: missing required section")) }
            return nil
        }
        guard let table = value.table else { error(key, in: name, "must be a table ([\(path)])"); return nil }
        return table
    }

    public mutating func string(_ table: TOMLTable?, _ key: String, in name: String, required: Bool = false) -> String? {
        guard let table else { return nil }
        guard let value = table[key] else {
            if required { error(nil, in: name, "missing required key '\(key)'") }
            return nil
        }
        guard let string = value.string else { error(key, in: name, "must be a string"); return nil }
        if required && string.trimmingCharacters(in: .whitespaces).isEmpty { error(key, in: name, "must not be empty") }
        return string
    }

    /// A string or an array of strings.
    public mutating func strings(_ table: TOMLTable, _ key: String, in name: String) -> [String] {
        guard let value = table[key] else { return [] }
        if let string = value.string { return [string] }
        if let array = value.array {
            var result: [String] = []
            for element in array {
                guard let string = element.string else { error(key, in: name, "must be a string or an array of strings"); return [] }
                result.append(string)
            }
            return result
        }
        error(key, in: name, "must be a string or an array of strings")
        return []
    }

    public mutating func paths(_ table: TOMLTable?, _ key: String, in name: String, required: Bool = false) -> [URL] {
        guard let table else { return [] }
        guard table[key] != nil else {
            if required { error(nil, in: name, "missing required key '\(key)'") }
            return []
        }
        let values = strings(table, key, in: name)
        if required && values.isEmpty { error(key, in: name, "must name at least one file") }
        return values.map { path in
            path.hasPrefix("/") ? URL(fileURLWithPath: path) : folder.appendingPathComponent(path).standardizedFileURL
        }
    }

    public mutating func int(_ table: TOMLTable, _ key: String, in name: String, range: ClosedRange<Int>) -> Int? {
        guard let value = table[key] else { return nil }
        guard let int = value.int else { error(key, in: name, "must be an integer"); return nil }
        guard range.contains(int) else { error(key, in: name, "must be between \(range.lowerBound) and \(range.upperBound), not \(int)"); return nil }
        return int
    }

    public mutating func ints(_ table: TOMLTable, _ key: String, in name: String, range: ClosedRange<Int>) -> [Int]? {
        guard let value = table[key] else { return nil }
        guard let array = value.array else { error(key, in: name, "must be an array of integers, e.g. [7, 1]"); return nil }
        var result: [Int] = []
        for element in array {
            guard let int = element.int, range.contains(int) else {
                error(key, in: name, "must be an array of integers between \(range.lowerBound) and \(range.upperBound)"); return nil
            }
            result.append(int)
        }
        guard !result.isEmpty else { error(key, in: name, "must not be empty"); return nil }
        return Array(Set(result)).sorted(by: >)
    }

    public mutating func time(_ table: TOMLTable, _ key: String, in name: String) -> Policy.TimeOfDay? {
        guard let value = table[key] else { return nil }
        if let string = value.string, let time = Policy.TimeOfDay(string) { return time }
        if let t = value.time, let time = Policy.TimeOfDay(hour: Int(t.hour), minute: Int(t.minute)) { return time }
        error(key, in: name, "must be a time of day such as \"09:00\"")
        return nil
    }

    /// A person as `{ name = "…", email = "…" }`; the address is required.
    public mutating func contact(_ table: TOMLTable?, _ key: String, in name: String, required: Bool) -> Contact? {
        guard let table else { return nil }
        let path = "\(name).\(key)"
        guard let value = table[key] else {
            if required { error(nil, in: name, "missing required key '\(key)', e.g. \(key) = { name = \"整改办\", email = \"zgb@example.org\" }") }
            return nil
        }
        guard let person = value.table else { error(key, in: name, "must be a table: { name = \"…\", email = \"…\" }"); return nil }
        let personName = string(person, "name", in: path, required: true)
        let email = string(person, "email", in: path, required: true)
        allow(person, in: path, keys: ["name", "email"])
        guard let personName, let email else { return nil }
        guard EmailAddress.isValid(email) else { error(key, in: name, "\"\(email)\" is not a valid email address"); return nil }
        return Contact(name: personName, email: email)
    }

    public mutating func date(_ table: TOMLTable?, _ key: String, in name: String) -> LocalDate? {
        guard let table, let value = table[key] else { return nil }
        if let date = value.date, let local = LocalDate(year: date.year, month: Int(date.month), day: Int(date.day)) { return local }
        if let string = value.string, let local = LocalDate(string) { return local }
        error(key, in: name, "must be a date such as 2026-03-15")
        return nil
    }

    /// A string that must be one of a closed set of values: an unknown value is
    /// an error with its line, never a silent fallback to a default.
    public mutating func choice<Value: RawRepresentable & CaseIterable>(
        _ table: TOMLTable?, _ key: String, in name: String
    ) -> Value? where Value.RawValue == String {
        guard let table, table[key] != nil else { return nil }
        guard let text = string(table, key, in: name) else { return nil }
        guard let value = Value(rawValue: text) else {
            let allowed = Value.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            error(key, in: name, "must be one of \(allowed), not \"\(text)\"")
            return nil
        }
        return value
    }
}
