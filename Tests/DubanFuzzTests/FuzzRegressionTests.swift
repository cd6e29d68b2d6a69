@testable import duban_fuzz
import DubanConfig
import DubanLedger
import DubanTesting
import DubanTOML
import Foundation
import Testing

/// Every input fuzzing ever crashed on (fuzz/regressions/TARGET/) runs again
/// through the same fuzz target, in-process: a crash fails the suite.
@Suite struct FuzzRegressionTests {
    static let root = repository.appendingPathComponent("fuzz/regressions")

    static var cases: [(String, String)] {
        FuzzTarget.allCases.flatMap { target in
            ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(target.rawValue).path)) ?? [])
                .filter { !$0.hasPrefix(".") }.sorted().map { (target.rawValue, $0) }
        }
    }

    @Test func thereAreRegressionsToReplay() {
        #expect(Self.cases.count >= 2)
    }

    @Test(arguments: cases)
    func replays(target: String, file: String) throws {
        let data = try Data(contentsOf: Self.root.appendingPathComponent(target).appendingPathComponent(file))
        FuzzTarget(rawValue: target)!.run([UInt8](data))
    }

    @Test func tableHeadersTOMLKitWouldAbortOnAreSyntaxErrors() {
        #expect(TOMLInputGuard.problem(in: "a = 1\n  [.b]\n")?.line == 2)
        #expect(TOMLInputGuard.problem(in: "[通知]")?.message.contains("通") == true)
        #expect(TOMLInputGuard.problem(in: "[[ )]]")?.column == 4)
        #expect(TOMLInputGuard.problem(in: "a = 1\n[\n")?.line == 2)
        #expect(TOMLInputGuard.problem(in: "[a]\n[[b.c]]\n[\"引号\"]\nx = [1, 2]\n") == nil)
        #expect { try Configuration.parse("[organization]\n[.x]\n", file: URL(fileURLWithPath: "/etc/duban/duban.toml")) } throws: { error in
            (error as? ConfigurationError)?.diagnostics.first?.location.row == 2
        }
    }
}
