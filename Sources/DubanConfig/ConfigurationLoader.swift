public import DubanCore
import DubanLedger
public import Foundation
import TOMLKit

extension Configuration {
    /// Reads and validates a configuration file. Unknown keys, wrong types and
    /// missing required keys are all errors that name the key and its line.
    public static func load(from url: URL) throws(ConfigurationError) -> Configuration {
        let file = url.path
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ConfigurationError([.error(SourceLocation(file: file), "cannot read the configuration file: \((error as NSError).localizedDescription)")])
        }
        return try parse(text, file: url)
    }

    /// Parses configuration text; `file` names it in errors and anchors relative paths.
    public static func parse(_ text: String, file: URL) throws(ConfigurationError) -> Configuration {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError([.error(
                SourceLocation(file: file.path, row: error.source.begin.line, column: error.source.begin.column),
                "TOML syntax: \(error.description)")])
        } catch {
            throw ConfigurationError([.error(SourceLocation(file: file.path), "TOML syntax: \(error)")])
        }
        var reader = TOMLChecker(text: text, file: file.path, folder: file.deletingLastPathComponent())
        reader.allow(root, in: "", keys: ["organization", "programme", "ledger", "people"])

        let org = reader.table(root, "organization", in: "", required: true)
        let name = reader.string(org, "name", in: "organization", required: true) ?? ""
        let zoneName = reader.string(org, "timezone", in: "organization") ?? "Asia/Shanghai"
        let zone = TimeZone(identifier: zoneName)
        if zone == nil { reader.error("timezone", in: "organization", "unknown time zone '\(zoneName)'; use an IANA name such as Asia/Shanghai") }
        let locale = reader.string(org, "locale", in: "organization") ?? "zh-CN"
        if !["zh-CN", "en"].contains(locale) { reader.error("locale", in: "organization", "locale must be \"zh-CN\" or \"en\", not \"\(locale)\"") }
        reader.allow(org, in: "organization", keys: ["name", "timezone", "locale"])

        let programme = reader.table(root, "programme", in: "", required: true)
        let programmeName = reader.string(programme, "name", in: "programme", required: true) ?? ""
        let feedback = reader.date(programme, "feedback_date", in: "programme")
        reader.allow(programme, in: "programme", keys: ["name", "feedback_date"])

        let ledger = reader.table(root, "ledger", in: "", required: true)
        let paths = reader.paths(ledger, "paths", in: "ledger", required: true)
        let sheet = reader.string(ledger, "sheet", in: "ledger")
        var columns: [LedgerField: [String]] = [:]
        if let table = reader.table(ledger, "columns", in: "ledger") {
            for key in table.keys.sorted() {
                guard let field = LedgerField(rawValue: key) else {
                    reader.error(key, in: "ledger.columns", "unknown field '\(key)'; fields are \(LedgerField.allCases.map(\.rawValue).joined(separator: ", "))")
                    continue
                }
                columns[field] = reader.strings(table, key, in: "ledger.columns")
            }
        }
        reader.allow(ledger, in: "ledger", keys: ["paths", "sheet", "columns"])

        var peopleFile: URL?
        if let people = reader.table(root, "people", in: "") {
            peopleFile = reader.paths(people, "file", in: "people", required: true).first
            reader.allow(people, in: "people", keys: ["file"])
        }

        guard reader.diagnostics.isEmpty, let zone else { throw ConfigurationError(reader.diagnostics) }
        return Configuration(
            file: file,
            organization: .init(name: name, timeZone: zone, locale: locale),
            programme: .init(name: programmeName, feedbackDate: feedback),
            ledger: .init(paths: paths, sheet: sheet, columns: columns),
            people: .init(file: peopleFile))
    }
}

/// Typed, checked access to TOML tables that records every problem with the
/// key's dotted name and line.
struct TOMLChecker {
    let text: String
    let file: String
    let folder: URL
    var diagnostics: [Diagnostic] = []

    mutating func error(_ key: String?, in table: String, _ message: String) {
        let name = [table, key].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ".")
        // `key = …` inside the table, else a `[table.key]` section, else the table's header.
        let line = ConfigLines.line(ofKey: key, inTable: table, in: text)
            ?? ConfigLines.line(ofKey: nil, inTable: name, in: text)
            ?? ConfigLines.line(ofKey: nil, inTable: table, in: text)
        diagnostics.append(.error(SourceLocation(file: file, row: line), "\(name): \(message)"))
    }

    /// Reports keys that are not in `keys`: a typo must not be silently ignored.
    mutating func allow(_ table: TOMLTable?, in name: String, keys: Set<String>) {
        guard let table else { return }
        for key in table.keys.sorted() where !keys.contains(key) {
            error(key, in: name, "unknown key; expected one of \(keys.sorted().joined(separator: ", "))")
        }
    }

    mutating func table(_ parent: TOMLTable?, _ key: String, in name: String, required: Bool = false) -> TOMLTable? {
        let path = name.isEmpty ? key : "\(name).\(key)"
        guard let value = parent?[key] else {
            if required, parent != nil || name.isEmpty { diagnostics.append(.error(SourceLocation(file: file), "[\(path)]: missing required section")) }
            return nil
        }
        guard let table = value.table else { error(key, in: name, "must be a table ([\(path)])"); return nil }
        return table
    }

    mutating func string(_ table: TOMLTable?, _ key: String, in name: String, required: Bool = false) -> String? {
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
    mutating func strings(_ table: TOMLTable, _ key: String, in name: String) -> [String] {
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

    mutating func paths(_ table: TOMLTable?, _ key: String, in name: String, required: Bool = false) -> [URL] {
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

    mutating func date(_ table: TOMLTable?, _ key: String, in name: String) -> LocalDate? {
        guard let table, let value = table[key] else { return nil }
        if let date = value.date, let local = LocalDate(year: date.year, month: Int(date.month), day: Int(date.day)) { return local }
        if let string = value.string, let local = LocalDate(string) { return local }
        error(key, in: name, "must be a date such as 2026-03-15")
        return nil
    }
}
