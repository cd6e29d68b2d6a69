import DubanTesting
import Foundation
import Testing

@Suite struct ProcessHelperTests {
    /// A program that fills its stderr pipe before it writes a byte to
    /// stdout: read one pipe after the other, both sides would wait forever.
    @Test(.timeLimit(.minutes(1)))
    func stdoutAndStderrAreReadTogether() throws {
        let result = try runProcess(URL(fileURLWithPath: "/bin/sh"),
                                    ["-c", "head -c 300000 /dev/zero | tr '\\0' e >&2; head -c 300000 /dev/zero | tr '\\0' o; exit 3"])
        #expect(result.status == 3)
        #expect(result.stderr.count == 300_000 && result.stderr.allSatisfy { $0 == "e" })
        #expect(result.stdout.count == 300_000 && result.stdout.allSatisfy { $0 == "o" })
    }
}
