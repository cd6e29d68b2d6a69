public import DubanCore
public import Foundation
import DubanTOML
import TOMLKit

/// Reads the people directory: who is who, and their addresses.
///
/// CSV with headings 姓名, 部门, 邮箱, 上级 (or name, department, email,
/// leader), or TOML with one `[[person]]` table each. An optional 个人清单
/// (`personal_list`) column turns a person's weekly personal list off with
/// 否 / 不发送 / no / false (是 / 发送 / yes / true or empty: on). Problems are reported
/// per row; every readable person is kept.
public enum PeopleDirectoryReader {
    static let headings: [String: String] = [
        "姓名": "name", "name": "name", "部门": "department", "单位": "department", "department": "department",
        "邮箱": "email", "电子邮箱": "email", "email": "email", "上级": "leader", "分管领导": "leader", "leader": "leader",
        "个人清单": "personal", "personal_list": "personal",
    ]

    /// A 个人清单 cell: nil when it is neither yes nor no.
    static func personalList(_ text: String) -> Bool? {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "", "是", "发送", "yes", "true", "on", "1": return true
        case "否", "不发送", "不发", "no", "false", "off", "0": return false
        default: return nil
        }
    }

    public static func read(_ url: URL) -> (PeopleDirectory, [Diagnostic]) {
        let file = url.path
        do {
            switch url.pathExtension.lowercased() {
            case "toml": return try readTOML(url)
            case "csv": return try readCSV(url)
            default:
                return (PeopleDirectory(), [.error(SourceLocation(file: file), "the people directory must be a .csv or .toml file")])
            }
        } catch let error as TableReadError {
            return (PeopleDirectory(), [.error(error.location, error.message)])
        } catch {
            return (PeopleDirectory(), [.error(SourceLocation(file: file), "cannot read the people directory: \(error)")])
        }
    }

    static func readCSV(_ url: URL) throws -> (PeopleDirectory, [Diagnostic]) {
        let file = url.path
        var directory = PeopleDirectory()
        var columns: [String: Int]?
        var optOutProblems: [Diagnostic] = []
        var diagnostics = try CSVReader().read(url, sheet: nil) { row in
            guard let map = columns else {
                var found: [String: Int] = [:]
                for (index, cell) in row.cells.enumerated() {
                    if let key = headings[cell.text.lowercased()], found[key] == nil { found[key] = index }
                }
                columns = found
                return
            }
            func value(_ key: String) -> String { map[key].map { row[$0].text } ?? "" }
            let personal = personalList(value("personal"))
            if personal == nil, let column = map["personal"] {
                optOutProblems.append(.error(SourceLocation(file: file, row: row.number, column: column + 1),
                                             "个人清单 \"\(value("personal"))\": expected 是 or 否 (yes or no); the personal list stays on"))
            }
            directory.add(Person(
                name: value("name"), department: value("department"),
                email: value("email").isEmpty ? nil : value("email"),
                leader: value("leader").isEmpty ? nil : value("leader"), personalList: personal ?? true,
                source: SourceLocation(file: file, row: row.number, column: (map["name"] ?? 0) + 1)))
        }
        diagnostics += optOutProblems
        if columns?["name"] == nil {
            diagnostics.append(.error(SourceLocation(file: file, row: 1), "the people directory needs a 姓名 (name) column; found none"))
            return (PeopleDirectory(), diagnostics)
        }
        return validate(directory, diagnostics, emailColumn: columns?["email"].map { $0 + 1 })
    }

    static func readTOML(_ url: URL) throws -> (PeopleDirectory, [Diagnostic]) {
        let file = url.path
        guard let text = String(data: try LedgerFile.open(url).readAll(), encoding: .utf8) else {
            return (PeopleDirectory(), [.error(SourceLocation(file: file), "the people directory is not UTF-8 text; save it as UTF-8")])
        }
        let table: TOMLTable
        switch TOMLDocument.parse(text, file: file) {
        case .success(let parsed): table = parsed
        case .failure(let error): return (PeopleDirectory(), [error.diagnostic])
        }
        var diagnostics: [Diagnostic] = []
        var directory = PeopleDirectory()
        for key in table.keys where key != "person" {
            diagnostics.append(.error(SourceLocation(file: file), "unknown key '\(key)'; the people directory holds [[person]] tables"))
        }
        guard let array = table["person"]?.array else {
            if table["person"] != nil { diagnostics.append(.error(SourceLocation(file: file), "'person' must be an array of tables: [[person]]")) }
            return (directory, diagnostics)
        }
        for (index, value) in array.enumerated() {
            let at = SourceLocation(file: file, row: ConfigLines.line(ofArrayTable: "person", index: index, in: text))
            guard let person = value.table else {
                diagnostics.append(.error(at, "person #\(index + 1) is not a table")); continue
            }
            var fields: [String: String] = [:]
            var personal = true
            for key in person.keys {
                if key == "personal_list" {
                    if let flag = person[key]?.bool { personal = flag } else {
                        diagnostics.append(.error(at, "person #\(index + 1): 'personal_list' must be true or false"))
                    }
                    continue
                }
                guard ["name", "department", "email", "leader"].contains(key) else {
                    diagnostics.append(.error(at, "person #\(index + 1): unknown key '\(key)'; expected name, department, email, leader, personal_list")); continue
                }
                guard let string = person[key]?.string else {
                    diagnostics.append(.error(at, "person #\(index + 1): '\(key)' must be a string")); continue
                }
                fields[key] = string
            }
            directory.add(Person(name: fields["name"] ?? "", department: fields["department"] ?? "",
                                 email: fields["email"], leader: fields["leader"], personalList: personal, source: at))
        }
        return validate(directory, diagnostics, emailColumn: nil)
    }

    /// Every person needs a name; an address, if given, must be valid.
    static func validate(_ directory: PeopleDirectory, _ diagnostics: [Diagnostic], emailColumn: Int?) -> (PeopleDirectory, [Diagnostic]) {
        var diagnostics = diagnostics
        var clean = PeopleDirectory()
        for var person in directory.people {
            for field in [\Person.name, \Person.department] {
                let (clean, removed) = InvisibleCharacters.stripped(person[keyPath: field])
                guard !removed.isEmpty else { continue }
                diagnostics.append(.warning(person.source, "invisible control or format characters (\(InvisibleCharacters.describe(removed))) removed from \"\(clean)\""))
                person[keyPath: field] = clean
            }
            if let leader = person.leader {
                person.leader = InvisibleCharacters.stripped(leader).text
            }
            if person.name.isEmpty {
                diagnostics.append(.error(person.source, "a person without a name; the row is ignored"))
                continue
            }
            if let email = person.email, !EmailAddress.isValid(email) {
                var at = person.source
                at.column = emailColumn
                diagnostics.append(.error(at, "\(person.name): \"\(email)\" is not a valid email address"))
                person.email = nil
            }
            if person.email == nil {
                diagnostics.append(.warning(person.source, "\(person.name) has no email address; their mail goes to the office"))
            }
            clean.add(person)
        }
        return (clean, diagnostics)
    }
}
