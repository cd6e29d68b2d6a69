public import DubanCore
public import TOMLKit

/// Parses TOML text into a table, or says where and why it cannot.
///
/// The one way Duban's TOML files (duban.toml, the work calendars, the people
/// directory) are parsed: the input guard runs first, because TOMLKit aborts
/// the process on some malformed headers instead of throwing (see
/// `TOMLInputGuard`), and a syntax error comes back as a diagnostic with the
/// file, line and column.
public enum TOMLDocument {
    public static func parse(_ text: String, file: String) -> Result<TOMLTable, TOMLSyntaxError> {
        if let problem = TOMLInputGuard.problem(in: text) {
            return .failure(TOMLSyntaxError(.error(SourceLocation(file: file, row: problem.line, column: problem.column), "TOML syntax: \(problem.message)")))
        }
        do {
            return .success(try TOMLTable(string: text))
        } catch let error as TOMLParseError {
            return .failure(TOMLSyntaxError(.error(
                SourceLocation(file: file, row: error.source.begin.line, column: error.source.begin.column),
                "TOML syntax: \(error.description)")))
        } catch {
            return .failure(TOMLSyntaxError(.error(SourceLocation(file: file), "TOML syntax: \(error)")))
        }
    }
}

/// TOML text that does not parse, with where.
public struct TOMLSyntaxError: Error, Sendable {
    public var diagnostic: Diagnostic

    public init(_ diagnostic: Diagnostic) {
        self.diagnostic = diagnostic
    }
}
