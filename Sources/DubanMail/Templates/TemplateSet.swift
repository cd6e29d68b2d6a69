public import DubanCore
public import Foundation
import Mustache

/// The mail templates of one language: for each kind a subject, a text and
/// an HTML template (`reminder.subject.mustache`, `reminder.txt.mustache`,
/// `reminder.html.mustache` …).
///
/// Looked up along a search path, first match wins: the operator's folder
/// (`/etc/duban/templates`) before the shipped one
/// (`/usr/share/duban/templates`), so overriding one file is enough. Every
/// template is parsed at load: a broken template is a `duban check` error,
/// not a failure at 09:00 on a Monday.
public struct TemplateSet: Sendable {
    /// Template base names, one per kind of mail (escalations per level).
    public static let names = ["reminder", "checkpoint", "escalation1", "escalation2", "acceptance", "lookback", "closure", "rebound", "interview",
                               "personal", "extension", "standing", "standing2", "digest"]
    public static let parts = ["subject", "txt", "html"]

    public let locale: String
    private let templates: [String: MustacheTemplate]
    /// Where each template was found, for diagnostics and `check`.
    public let sources: [String: URL]
    /// Templates (`name.part`) whose text names `tasks` or the implicit
    /// iterator `{{.}}`: only these can show the per-task values, so a
    /// subject that does not (all shipped ones) is rendered without building
    /// them — `preview` of a million tasks rendered 168k items' values for
    /// five one-line subjects. Templates have no partials here, so the text
    /// is all a template can read.
    private var readingTasks: Set<String> = []

    /// Loads and parses every template for `locale`. Returns nil with
    /// errors when any is missing or does not parse.
    public static func load(searchPath: [URL], locale: String) -> (TemplateSet?, [Diagnostic]) {
        var templates: [String: MustacheTemplate] = [:]
        var sources: [String: URL] = [:]
        var readingTasks: Set<String> = []
        var diagnostics: [Diagnostic] = []
        for name in names {
            for part in parts {
                let key = "\(name).\(part)"
                let file = "\(key).mustache"
                guard let url = searchPath.map({ $0.appendingPathComponent(locale).appendingPathComponent(file) })
                        .first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
                    diagnostics.append(.error(SourceLocation(file: searchPath.first.map { $0.appendingPathComponent(locale).path } ?? locale),
                        "template \(locale)/\(file) not found in \(searchPath.map(\.path).joined(separator: ", "))"))
                    continue
                }
                do {
                    var text = try String(contentsOf: url, encoding: .utf8)
                    // Subjects and plain text must not be HTML-escaped; HTML must be.
                    if part != "html" { text = "{{% CONTENT_TYPE: TEXT}}" + text }
                    templates[key] = try MustacheTemplate(string: text)
                    if text.contains("tasks") || text.contains("{{.") || text.contains("{{ .") { readingTasks.insert(key) }
                    sources[key] = url
                } catch let error as MustacheTemplate.ParserError {
                    diagnostics.append(.error(SourceLocation(file: url.path, row: error.context.lineNumber, column: error.context.columnNumber),
                                              "template does not parse: \(error.error)"))
                } catch {
                    diagnostics.append(.error(SourceLocation(file: url.path), "template cannot be read: \(error)"))
                }
            }
        }
        guard diagnostics.isEmpty else { return (nil, diagnostics) }
        return (TemplateSet(locale: locale, templates: templates, sources: sources, readingTasks: readingTasks), [])
    }

    /// Renders `name.part` (e.g. `reminder.subject`) with a context.
    /// Empty strings are removed first: swift-mustache treats "" as true, and
    /// templates test `{{#cc_names}}…{{/cc_names}}` to leave a line out.
    /// Every value is untrusted text: invisible characters are shown
    /// (`<U+202E>`) in subjects, text and HTML alike.
    func render(_ name: String, _ part: String, _ context: [String: Any]) -> String {
        templates["\(name).\(part)"]!.render(Self.pruned(context))
    }

    /// Whether `name.part` can show the per-task values (see `readingTasks`).
    func readsTasks(_ name: String, _ part: String) -> Bool {
        readingTasks.contains("\(name).\(part)")
    }

    static func pruned(_ value: [String: Any]) -> [String: Any] {
        var result: [String: Any] = [:]
        for (key, element) in value {
            switch element {
            case let text as String where text.isEmpty: continue
            case let text as String: result[key] = UntrustedText.visible(text)
            case let nested as [String: Any]: result[key] = pruned(nested)
            case let list as [[String: Any]]: result[key] = list.map(pruned)
            default: result[key] = element
            }
        }
        return result
    }
}
