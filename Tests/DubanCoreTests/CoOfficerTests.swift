@testable import DubanCore
import Foundation
import Testing

/// Issue 13: several people in one 责任人 cell. The first is the officer; the
/// others are copied on the officer's mail about that task.
@Suite struct CoOfficerTests {
    /// The ASCII shortcut of `samePerson`'s address comparison agrees with
    /// comparing lowercased addresses, on random mixes of case, non-ASCII
    /// letters and lengths.
    @Test func addressesCompareIgnoringCaseAsLowercasingWould() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("aAbBzZ.@_-0İıéÉßΣσς")
        for _ in 0..<5000 {
            let x = String((0..<Int.random(in: 0...6, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            var y = x.map { c in Bool.random(using: &generator) ? c.uppercased() : c.lowercased() }.joined()
            if Bool.random(using: &generator) { y = String((0..<x.count).map { _ in alphabet.randomElement(using: &generator)! }) }
            #expect(Planner.sameIgnoringCase(x, y) == (x.lowercased() == y.lowercased()), "\(x) \(y)")
        }
    }

    @Test func theOthersAreCopiedOnTheOfficersReminder() throws {
        var shared = task("A", deadline: .by(day("2026-06-30")))
        shared.coOfficers = [Contact(name: "王芳", email: "wang.fang@example.org")]
        let plan = makePlanner().plan(LedgerSnapshot(tasks: [shared]), log: [], now: at("2026-06-23T09:00"))
        let reminder = try #require(plan.messages.first { $0.kind == .reminder })
        #expect(reminder.to.map(\.email) == ["zhang.wei@example.org"])
        #expect(reminder.cc.map(\.email) == ["wang.fang@example.org"])
    }

    /// A copied person without an address is named as unreachable, and the
    /// office does not replace them: the officer still gets the mail, and
    /// (issue 12, nobody silently missing) the office is copied in their place.
    @Test func aCopiedPersonWithoutAnAddressIsNamedNotReplaced() throws {
        var shared = task("A", deadline: .by(day("2026-06-30")))
        shared.coOfficers = [Contact(name: "王芳")]
        let plan = makePlanner().plan(LedgerSnapshot(tasks: [shared]), log: [], now: at("2026-06-23T09:00"))
        let reminder = try #require(plan.messages.first { $0.kind == .reminder })
        #expect(reminder.to.map(\.email) == ["zhang.wei@example.org"] && reminder.cc.map(\.email) == ["zgb@example.org"])
        #expect(reminder.unreachable == [UnreachablePerson(role: .officer, name: "王芳")])
    }
}
