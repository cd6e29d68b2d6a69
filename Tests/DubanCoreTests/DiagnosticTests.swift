import DubanCore
import Foundation
import Testing

@Suite struct DiagnosticTests {
    @Test func columnLetters() {
        #expect(SourceLocation(file: "f", row: 1, column: 1).columnLetter == "A")
        #expect(SourceLocation(file: "f", row: 1, column: 26).columnLetter == "Z")
        #expect(SourceLocation(file: "f", row: 1, column: 27).columnLetter == "AA")
        #expect(SourceLocation(file: "f", row: 1, column: 16_384).columnLetter == "XFD")
    }

    @Test func printsOneLineInCompilerForm() {
        let d = Diagnostic.error(SourceLocation(file: "ledger.xlsx", row: 7, column: 9), "bad\nvalue")
        #expect(d.description == "ledger.xlsx:7:9: error: bad⏎value")
        #expect(Diagnostic.warning(SourceLocation(file: "a.csv"), "x").description == "a.csv: warning: x")
    }

    /// A message without a line break is printed as it is, without splitting
    /// it into characters; on random messages (line breaks of every kind,
    /// CR LF, bytes that only look like U+2028 in part) the line is what
    /// splitting always gave.
    @Test func oneLineIsWhatSplittingOnNewlinesGives() {
        let pieces = ["整改", "措施", "a", " ", "\n", "\r", "\r\n", "\u{0B}", "\u{0C}", "\u{85}", "\u{2028}", "\u{2029}", "…", "—",
                      "\u{2027}", "\u{202A}", "\u{C5}", "\u{105}", "\u{2029}\u{301}", "e\u{301}", "⏎", "\u{1F600}", ""]
        var random = SeededGenerator(seed: 29)
        let location = SourceLocation(file: "a.csv", row: 3, column: 2)
        for _ in 0..<3000 {
            let message = (0..<Int.random(in: 0...8, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            let split = message.split(whereSeparator: \.isNewline).joined(separator: "⏎")
            #expect(Diagnostic.warning(location, message).description == "a.csv:3:2: warning: \(split)",
                    "\(message.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    @Test func mergeKeepsDuplicateIDsOutAndReportsThem() {
        let a = RectificationTask(id: TaskID("T1"), idIsExplicit: true, problemNumber: "1", source: SourceLocation(file: "a.csv", row: 2))
        let b = RectificationTask(id: TaskID("T1"), idIsExplicit: true, problemNumber: "1", source: SourceLocation(file: "b.csv", row: 5))
        var snapshot = LedgerSnapshot(tasks: [a])
        snapshot.merge(LedgerSnapshot(tasks: [b]))
        #expect(snapshot.tasks.map(\.id.rawValue) == ["T1", "T1@b.csv:5"])
        #expect(snapshot.diagnostics.errorCount == 1)
        #expect(snapshot.diagnostics.first?.location == b.source)
    }
}
