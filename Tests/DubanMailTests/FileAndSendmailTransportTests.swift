import DubanCore
@testable import DubanMail
import DubanTesting
import Foundation
import Testing

@Suite struct FileAndSendmailTransportTests {
    @Test func filesAreWrittenAtomicallyAndNamedByMessageID() async throws {
        let folder = try temporaryFolder("eml").appendingPathComponent("nested")
        let transport = FilesTransport(folder: folder)
        let results = await transport.deliver([envelope("f1", to: ["a@example.org"]), envelope("f1", to: ["a@example.org"])])
        #expect(results.count == 2)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(files == ["f1.eml"])   // a resend replaces, never duplicates
        #expect(try parseWithPython([folder.appendingPathComponent("f1.eml")])[0].defects.isEmpty)
    }

    @Test func sendmailGetsTheEnvelopeAndLFLines() async throws {
        let folder = try temporaryFolder("sendmail")
        let script = folder.appendingPathComponent("sendmail")
        try "#!/bin/sh\necho \"$@\" > \(folder.path)/args\ncat > \(folder.path)/body\n".write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        let results = await SendmailTransport(program: script.path).deliver([envelope("s1", to: ["a@example.org", "b@example.org"])])
        guard case .delivered = results[0] else { Issue.record("\(results[0])"); return }
        #expect(try String(contentsOf: folder.appendingPathComponent("args"), encoding: .utf8) == "-i -f duban@example.org -- a@example.org b@example.org\n")
        let body = try Data(contentsOf: folder.appendingPathComponent("body"))
        #expect(!body.contains(0x0D))

        try "#!/bin/sh\ncat >/dev/null\necho 'queue full' >&2\nexit 75\n".write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        let temp = await SendmailTransport(program: script.path).deliver([envelope("s2", to: ["a@example.org"])])
        guard case .failed(let error) = temp[0] else { Issue.record("expected failure"); return }
        #expect(error.isTransient && error.message.contains("queue full"))
    }
}
