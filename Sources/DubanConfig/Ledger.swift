public import DubanCore
public import Foundation
import DubanTOML
import TOMLKit

extension Configuration {
    /// `[ledger]`: the files to read and how.
    public struct Ledger: Sendable {
        /// One or more .xlsx/.csv files. Required.
        public var paths: [URL]
        /// The sheet to read in workbooks. Default: the first visible sheet.
        public var sheet: String?
        /// Extra headings per field, from `[ledger.columns]`.
        public var columns: [LedgerField: [String]]
        /// A ledger file larger than this is refused before it is read.
        /// Default 256 MiB: a real ledger of a few thousand tasks is well under
        /// 10 MB, and a million-row CSV about 400 MB (raise it for that).
        public var maxBytes: Int
        /// Whether a task marked done (已完成 or later) without 佐证材料 is an
        /// error (`true`) or a warning (`false`, the default) in `check` and
        /// the digest's 台账异常.
        public var requireEvidence: Bool = false

        public static let defaultMaxBytes = 256 << 20

        static func read(from root: TOMLTable, _ checker: inout TOMLChecker) -> Ledger {
            let table = checker.table(root, "ledger", in: "", required: true)
            let paths = checker.paths(table, "paths", in: "ledger", required: true)
            let sheet = checker.string(table, "sheet", in: "ledger")
            var columns: [LedgerField: [String]] = [:]
            if let mapping = checker.table(table, "columns", in: "ledger") {
                for key in mapping.keys.sorted() {
                    guard let field = LedgerField(rawValue: key) else {
                        checker.error(key, in: "ledger.columns", "unknown field '\(key)'; fields are \(LedgerField.allCases.map(\.rawValue).joined(separator: ", "))")
                        continue
                    }
                    columns[field] = checker.strings(mapping, key, in: "ledger.columns")
                }
            }
            var maxBytes = defaultMaxBytes
            if let table, let n = checker.int(table, "max_bytes", in: "ledger", range: 1024...(1 << 40)) { maxBytes = n }
            var requireEvidence = false
            if let value = table?["require_evidence"] {
                if let flag = value.bool { requireEvidence = flag } else { checker.error("require_evidence", in: "ledger", "must be true or false") }
            }
            checker.allow(table, in: "ledger", keys: ["paths", "sheet", "columns", "max_bytes", "require_evidence"])
            return Ledger(paths: paths, sheet: sheet, columns: columns, maxBytes: maxBytes, requireEvidence: requireEvidence)
        }
    }

    /// `[people]`: the people directory.
    public struct People: Sendable {
        /// The people directory (.csv or .toml). Optional: without it, only
        /// addresses written in the ledger are known.
        public var file: URL?

        static func read(from root: TOMLTable, _ checker: inout TOMLChecker) -> People {
            guard let table = checker.table(root, "people", in: "") else { return People(file: nil) }
            let file = checker.paths(table, "file", in: "people", required: true).first
            checker.allow(table, in: "people", keys: ["file"])
            return People(file: file)
        }
    }
}
