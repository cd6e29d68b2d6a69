import DubanTesting
import Foundation

/// The shipped example configuration, rewritten to run from a fresh
/// temporary folder: paths to the checkout's examples, calendars and
/// templates; state in `FOLDER/state/`; mail files in `FOLDER/mail/`.
/// `mail`, when given, replaces the whole `[mail]` section (its templates
/// line is added under `[mail]`).
func isolatedExampleConfig(mail: String? = nil) throws -> (path: String, folder: URL) {
    let folder = try temporaryFolder("cli")
    let source = repository.appendingPathComponent("config")
    var text = try String(contentsOf: source.appendingPathComponent("duban.toml"), encoding: .utf8)
    if let mail {
        let start = text.range(of: "[mail]\n")!.lowerBound, end = text.range(of: "[delivery]\n")!.lowerBound
        // The templates line goes right under [mail], before any [mail.smtp] table.
        let section = mail.replacingOccurrences(of: "[mail]\n", with: "[mail]\ntemplates = [\"\(source.path)/templates\"]\n")
        text.replaceSubrange(start..<end, with: section + "\n\n")
    }
    text = text.replacingOccurrences(of: "\"examples/", with: "\"\(source.path)/examples/")
        .replacingOccurrences(of: "calendars = \"calendars\"", with: "calendars = \"\(source.path)/calendars\"")
        .replacingOccurrences(of: "templates = [\"templates\"]", with: "templates = [\"\(source.path)/templates\"]")
        .replacingOccurrences(of: "path = \"../.duban-state/duban.sqlite\"", with: "path = \"\(folder.path)/state/duban.sqlite\"")
        .replacingOccurrences(of: "folder = \"../.duban-state/mail\"", with: "folder = \"\(folder.path)/mail\"")
    let path = folder.appendingPathComponent("duban.toml").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return (path, folder)
}
