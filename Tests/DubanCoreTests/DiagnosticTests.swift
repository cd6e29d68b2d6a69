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
