import DubanCore
@testable import DubanLedger
import Foundation
import Testing

/// Bidi overrides, NUL, ESC and other invisible characters in names and
/// addresses: stripped from names (and said so), refused in addresses.
@Suite struct InvisibleCharacterTests {
    let loader = LedgerLoader(feedbackDate: feedback)

    @Test func namesLoseControlAndFormatCharactersWithAWarning() throws {
        let csv = "序号,整改措施,责任人,分管领导,整改时限\n1,措施,\"张\u{202E}伟\u{1B}[31m\",李\u{0}强,2026-06-30\n"
        let snapshot = loader.load(try temporaryFile("names.csv", Data(csv.utf8)))
        let task = try #require(snapshot.tasks.first)
        #expect(task.officer?.name == "张伟[31m")
        #expect(task.leader?.name == "李强")
        #expect(snapshot.diagnostics.contains { $0.location.row == 2 && $0.location.column == 3 && $0.message.contains("U+202E, U+001B") })
        #expect(snapshot.diagnostics.contains { $0.location.row == 2 && $0.location.column == 4 && $0.message.contains("U+0000") })
    }

    /// Names are cleaned once per distinct cell text (a memo): a name that
    /// repeats is still reported at every row that has it, with what it is used as.
    @Test func aRepeatedNameIsReportedAtEachRowAndCleanedAlike() throws {
        let csv = "序号,整改措施,责任人,整改时限\n1,措施,\" 张\u{202E}伟 \",2026-06-30\n2,措施,\" 张\u{202E}伟 \",2026-06-30\n3,措施,张伟,2026-06-30\n"
        let snapshot = loader.load(try temporaryFile("repeated.csv", Data(csv.utf8)))
        #expect(snapshot.tasks.map { $0.officer?.name } == ["张伟", "张伟", "张伟"])
        let warnings = snapshot.diagnostics.filter { $0.message.contains("U+202E") }
        #expect(warnings.map(\.location.row) == [2, 3])
        #expect(Set(warnings.map(\.message)).count == 1 && warnings.allSatisfy { $0.message.hasSuffix("it is used as \"张伟\"") }, "\(warnings)")
    }

    @Test(arguments: ["a\u{202E}b@example.org", "ab@exa\u{200B}mple.org", "a\u{85}b@example.org", "ab\u{2028}@example.org", "a\u{3000}b@example.org", "\u{FEFF}ab@example.org"])
    func addressesWithInvisibleCharactersAreInvalid(address: String) throws {
        #expect(!EmailAddress.isValid(address))
        let csv = "序号,整改措施,责任人,责任人邮箱,整改时限\n1,措施,张伟,\(address),2026-06-30\n"
        let snapshot = loader.load(try temporaryFile("addresses.csv", Data(csv.utf8)))
        #expect(snapshot.tasks.first?.officer?.email == nil)
        #expect(snapshot.diagnostics.contains { $0.severity == .error && $0.location.row == 2 && $0.location.column == 4
            && $0.message.contains("not a valid email address") })
    }

    @Test func thePeopleDirectoryIsCleanedToo() throws {
        let csv = "姓名,部门,邮箱\n张\u{202E}伟,办公室,zhang\u{202E}@example.org\n"
        let (directory, diagnostics) = PeopleDirectoryReader.read(try temporaryFile("people.csv", Data(csv.utf8)))
        #expect(directory.people.map(\.name) == ["张伟"])
        #expect(directory.people.first?.email == nil)
        #expect(diagnostics.contains { $0.severity == .error && $0.location.row == 2 && $0.location.column == 3 && $0.message.contains("not a valid email address") })
        #expect(diagnostics.contains { $0.severity == .warning && $0.message.contains("U+202E") })
    }
}
