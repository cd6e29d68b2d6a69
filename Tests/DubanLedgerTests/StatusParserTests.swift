import DubanCore
@testable import DubanLedger
import Testing

@Suite struct StatusParserTests {
    @Test(arguments: [
        ("未整改", TaskStatus.notStarted), ("未完成", .notStarted),
        ("正在整改", .inProgress), ("整改中", .inProgress), ("部分整改", .inProgress), ("基本完成", .inProgress),
        ("已完成", .completed), ("已整改", .completed), ("整改完成", .completed), ("待验收", .completed),
        ("已完成，待验收", .completed),
        ("已验收", .accepted), ("验收通过", .accepted),
        ("已销号", .closed), ("办结销号", .closed),
        ("长期坚持", .ongoing), ("持续整改", .ongoing),
        ("尚未完成整改", .inProgress),  // a negation must not read as 完成
        (" 已完成。", .completed),
    ])
    func vocabulary(text: String, expected: TaskStatus) {
        #expect(StatusParser.parse(text) == .known(expected))
    }

    @Test func unknownAndEmpty() {
        #expect(StatusParser.parse("研究中") == .unknown)
        #expect(StatusParser.parse("  ") == .empty)
    }

    @Test func emailAddresses() {
        #expect(EmailAddress.isValid("zhang.wei@example.org"))
        #expect(!EmailAddress.isValid("zhang wei@example.org"))
        #expect(!EmailAddress.isValid("a@b.org\r\nBcc: x@y.org"))
        #expect(!EmailAddress.isValid("<a@b.org>"))
        #expect(!EmailAddress.isValid("a@localhost"))
    }
}
