@testable import duban_fuzz
import DubanConfig
import DubanLedger
import DubanTesting
import DubanTOML
import Foundation
import Testing

/// Every input fuzzing ever crashed or hung on (fuzz/regressions/TARGET/)
/// runs again through the same fuzz target, in a child process (the
/// `duban-fuzz` replayer) with a time limit: a crash fails the test with its
/// signal, and a replay that hangs is killed and fails the test instead of
/// hanging CI.
@Suite struct FuzzRegressionTests {
    static let root = repository.appendingPathComponent("fuzz/regressions")

    /// Far above what any input takes (milliseconds), low enough for CI. Fuzzing
    /// itself (fuzz/run) flags inputs slower than a few seconds as timeouts.
    static let timeLimit: TimeInterval = 30

    static var cases: [(String, String)] {
        FuzzTarget.allCases.flatMap { target in
            ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(target.rawValue).path)) ?? [])
                .filter { !$0.hasPrefix(".") }.sorted().map { (target.rawValue, $0) }
        }
    }

    /// The replayer, built beside this test bundle.
    static var replayer: URL {
        var folder = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("duban-fuzz").path), folder.path != "/" {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent("duban-fuzz")
    }

    /// Runs the replayer (or `program`) on `input`; nil when it exited cleanly
    /// in time, else what went wrong.
    static func replay(_ target: String, _ input: URL, timeLimit: TimeInterval = timeLimit,
                       program: URL = replayer) throws -> String? {
        let process = Process()
        process.executableURL = program
        process.arguments = [target, input.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        if exited.wait(timeout: .now() + timeLimit) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            exited.wait()
            return "did not finish within \(Int(timeLimit)) s (a hang); killed"
        }
        switch (process.terminationReason, process.terminationStatus) {
        case (.exit, 0): return nil
        case (.exit, let status): return "exited with status \(status)"
        case (.uncaughtSignal, let signal): return "crashed with signal \(signal)"
        @unknown default: return "ended in an unknown way"
        }
    }

    @Test func thereAreRegressionsToReplay() {
        #expect(Self.cases.count >= 2)
    }

    @Test(arguments: cases)
    func replays(target: String, file: String) throws {
        let input = Self.root.appendingPathComponent(target).appendingPathComponent(file)
        let failure = try Self.replay(target, input)
        #expect(failure == nil, "replaying \(target)/\(file): \(failure ?? "")")
    }

    /// The time limit works: a program that does not end (`tail -f /dev/null`,
    /// standing in for a replay stuck in a loop) is killed and reported.
    @Test func aReplayThatHangsFailsInsteadOfHanging() throws {
        let started = Date()
        let failure = try Self.replay("-f", URL(fileURLWithPath: "/dev/null"), timeLimit: 1, program: URL(fileURLWithPath: "/usr/bin/tail"))
        #expect(failure == "did not finish within 1 s (a hang); killed")
        #expect(Date().timeIntervalSince(started) < 20)
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
