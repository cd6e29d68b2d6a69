import DubanCore
@testable import DubanMail
import DubanTesting
import Foundation

func envelope(_ id: String, to recipients: [String], subject: String = "【整改提醒】测试") -> Envelope {
    let mail = MailMessage(from: Contact(name: "整改办", email: "duban@example.org"),
                           to: recipients.map { Contact(name: "收件人", email: $0) }, subject: subject,
                           date: Date(timeIntervalSince1970: 1_782_176_400), messageID: "\(id)@example.org",
                           text: "正文\n.\n..以点开头的行\n", html: "<p>正文</p>")
    return Envelope(messageID: id, from: "duban@example.org", recipients: recipients, data: MIMEWriter.write(mail))
}

/// aiosmtpd with SMTPUTF8 switched on or off (Tests/Support/smtp_server.py
/// keeps aiosmtpd's default, on): it records each envelope (sender,
/// recipients, whether MAIL FROM carried the SMTPUTF8 parameter) as JSON.
/// Stopped by `stop()`.
final class EnvelopeRecordingServer: @unchecked Sendable {
    struct Received: Decodable {
        var mail_from: String
        var rcpt_tos: [String]
        var smtp_utf8: Bool
    }

    static let script = """
        import json, os, socket, sys
        from aiosmtpd.controller import Controller
        spool = sys.argv[1]
        class Handler:
            count = 0
            async def handle_DATA(self, server, session, envelope):
                Handler.count += 1
                path = os.path.join(spool, "%06d.json" % Handler.count)
                with open(path + ".tmp", "w", encoding="utf-8") as f:
                    json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                               "smtp_utf8": bool(envelope.smtp_utf8)}, f, ensure_ascii=False)
                os.rename(path + ".tmp", path)
                return "250 OK"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        controller = Controller(Handler(), hostname="127.0.0.1", port=port, enable_SMTPUTF8=sys.argv[2] == "on")
        controller.start()
        print("READY %d" % port, flush=True)
        try:
            sys.stdin.read()
        finally:
            controller.stop()
        """

    private let process = Process()
    private let input = Pipe()
    let spool: URL
    let port: Int

    init(smtputf8: Bool) throws {
        spool = try temporaryFolder("utf8spool")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", Self.script, spool.path, smtputf8 ? "on" : "off"]
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line.append(byte) }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("READY "), let port = Int(text.dropFirst(6)) else {
            process.terminate()
            throw NSError(domain: "EnvelopeRecordingServer", code: 1, userInfo: [NSLocalizedDescriptionKey: "server did not start: \(text)"])
        }
        self.port = port
    }

    func received() throws -> [Received] {
        try FileManager.default.contentsOfDirectory(at: spool, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
            .map { try JSONDecoder().decode(Received.self, from: Data(contentsOf: $0)) }
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        process.terminate()
        process.waitUntilExit()
    }

    deinit { if process.isRunning { stop() } }
}
