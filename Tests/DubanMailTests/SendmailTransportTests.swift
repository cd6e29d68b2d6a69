import DubanMail
import DubanTesting
import Foundation
import Testing

@Suite struct SendmailTransportTests {
    /// An MTA that complains at length before it reads the message: its
    /// stderr pipe fills while our write to its stdin waits for room. Written
    /// first and read after, neither side would ever move again.
    @Test(.timeLimit(.minutes(1)))
    func aChattyMTAIsReadWhileItIsWrittenTo() async throws {
        let folder = try temporaryFolder("sendmail-chatty")
        let script = folder.appendingPathComponent("sendmail")
        try "#!/bin/sh\nhead -c 300000 /dev/zero | tr '\\0' w >&2\ncat > \(folder.path)/body\nexit 75\n"
            .write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: 300_000) + Array("\r\n".utf8)
        let message = Envelope(messageID: "big", from: "duban@example.org", recipients: ["a@example.org"], data: body)

        let results = await SendmailTransport(program: script.path).deliver([message])
        guard case .failed(let error) = results[0] else { Issue.record("\(results[0])"); return }
        #expect(error.isTransient && error.message.contains("exited with 75: www"))
        // Every byte arrived, with the line end turned into LF.
        #expect(try Data(contentsOf: folder.appendingPathComponent("body")).count == 300_001)
    }
}
