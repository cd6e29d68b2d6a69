import DubanConfig
import DubanCore
import Foundation

/// What the configuration suites share: a configuration file's path, the
/// smallest configuration Duban accepts (without a final newline: a suite
/// adds its sections after one, so error rows stay put), and
/// the diagnostics a text is refused with.
protocol ConfigurationSuite {}

extension ConfigurationSuite {
    var file: URL { URL(fileURLWithPath: "/etc/duban/duban.toml") }

    var minimal: String {
        """
        [organization]
        name = "XX单位"

        [programme]
        name = "整改"

        [ledger]
        paths = "ledger.xlsx"

        [chain]
        office = { name = "整改办", email = "zgb@example.org" }
        """
    }

    /// The diagnostics `text` is refused with; none when it parses.
    func errors(_ text: String) -> [Diagnostic] {
        do {
            _ = try Configuration.parse(text, file: file)
            return []
        } catch {
            return error.diagnostics
        }
    }
}
