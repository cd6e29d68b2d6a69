public import DubanCore
import DubanTOML
public import Foundation
import TOMLKit

/// Reads the work calendar: one `YYYY.toml` per year in a folder, with
/// `[holidays]` (weekdays off) and `[workdays]` (weekend days worked), each a
/// table of holiday name → dates. Operators add a year by dropping a file in.
public enum CalendarLoader {
    public static func load(folder: URL) -> (WorkCalendar, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        let files: [URL]
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            return (WorkCalendar(), [.warning(SourceLocation(file: folder.path),
                "the calendar folder does not exist: only weekends are known, no holidays or 调休; set [schedule] calendars")])
        }
        do {
            files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
                .filter { $0.pathExtension == "toml" }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
        } catch {
            return (WorkCalendar(), [.error(SourceLocation(file: folder.path), "cannot read the calendar folder: \((error as NSError).localizedDescription)")])
        }
        var years: [WorkCalendar.Year] = []
        for file in files {
            let (year, found) = loadYear(file)
            diagnostics += found
            if let year { years.append(year) }
        }
        return (WorkCalendar(years: years), diagnostics)
    }

    static func loadYear(_ url: URL) -> (WorkCalendar.Year?, [Diagnostic]) {
        let file = url.path
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            return (nil, [.error(SourceLocation(file: file), "cannot read calendar file")])
        }
        let root: TOMLTable
        switch TOMLDocument.parse(text, file: file) {
        case .success(let table): root = table
        case .failure(let error): return (nil, [error.diagnostic])
        }
        var diagnostics: [Diagnostic] = []
        func error(_ key: String?, _ table: String, _ message: String) {
            diagnostics.append(.error(SourceLocation(file: file, row: ConfigLines.line(ofKey: key, inTable: table, in: text)), message))
        }
        for key in root.keys where !["year", "holidays", "workdays"].contains(key) {
            error(key, "", "unknown key '\(key)'; a calendar file has year, [holidays] and [workdays]")
        }
        guard let year = root["year"]?.int else {
            error("year", "", "'year' is required and must be an integer")
            return (nil, diagnostics)
        }
        let stem = url.deletingPathExtension().lastPathComponent
        if stem != String(year) { error("year", "", "the file \(url.lastPathComponent) says year = \(year); name it \(year).toml") }

        var result = WorkCalendar.Year(year: year)
        for section in ["holidays", "workdays"] {
            guard let value = root[section] else { continue }
            guard let table = value.table else { error(section, "", "[\(section)] must be a table of name = [dates]"); continue }
            for name in table.keys {
                guard let array = table[name]?.array else { error(name, section, "\(section).\(name) must be an array of dates"); continue }
                for element in array {
                    let date: LocalDate?
                    if let d = element.date { date = LocalDate(year: d.year, month: Int(d.month), day: Int(d.day)) }
                    else if let s = element.string { date = LocalDate(s) }
                    else { date = nil }
                    guard let date else { error(name, section, "\(section).\(name): expected dates such as \(year)-10-01"); continue }
                    guard date.year == year else { error(name, section, "\(section).\(name): \(date) is not in \(year)"); continue }
                    if section == "holidays" {
                        if date.isWeekend {
                            diagnostics.append(.warning(SourceLocation(file: file, row: ConfigLines.line(ofKey: name, inTable: section, in: text)),
                                "\(date) (\(name)) is a weekend day, which is off anyway"))
                        }
                        result.holidays[date] = name
                    } else {
                        if !date.isWeekend {
                            diagnostics.append(.warning(SourceLocation(file: file, row: ConfigLines.line(ofKey: name, inTable: section, in: text)),
                                "\(date) (\(name)) is a weekday, which is worked anyway; [workdays] lists weekend days worked in exchange"))
                        }
                        result.workdays[date] = name
                    }
                }
            }
        }
        return (result, diagnostics)
    }
}
