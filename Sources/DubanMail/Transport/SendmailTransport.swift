import Foundation

/// Pipes each message to a sendmail-compatible program (`sendmail -i -f FROM
/// -- RCPT…`), for hosts that already run a local MTA.
///
/// Note for systemd: Postfix's sendmail hands mail to the setgid `postdrop`,
/// which `NoNewPrivileges=yes` (part of the shipped unit's hardening) breaks.
/// Use the `smtp` transport to the local MTA on 127.0.0.1:25 instead, or
/// relax the unit knowingly.
public struct SendmailTransport: MailTransport {
    public var program: String

    public init(program: String = "/usr/sbin/sendmail") {
        self.program = program
    }

    public var description: String { "sendmail: \(program)" }

    public func deliver(_ batch: [Envelope], each: (Int, DeliveryResult) async -> BatchDecision) async {
        for (index, envelope) in batch.enumerated() where await each(index, send(envelope)) == .stop { return }
    }

    func send(_ envelope: Envelope) -> DeliveryResult {
        guard FileManager.default.isExecutableFile(atPath: program) else {
            return .failed(MailError(.configuration, "\(program) does not exist or is not executable", transient: true))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = ["-i", "-f", envelope.from, "--"] + envelope.recipients
        let input = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return .failed(MailError(.io, "cannot start \(program): \((error as NSError).localizedDescription)", transient: true))
        }
        // sendmail expects LF line ends on its input; it writes CRLF on the wire itself.
        var unix = [UInt8]()
        unix.reserveCapacity(envelope.data.count)
        var i = 0
        while i < envelope.data.count {
            if envelope.data[i] == 0x0D, i + 1 < envelope.data.count, envelope.data[i + 1] == 0x0A { i += 1; continue }
            unix.append(envelope.data[i])
            i += 1
        }
        input.fileHandleForWriting.write(Data(unix))
        try? input.fileHandleForWriting.close()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let status = process.terminationStatus
        if status == 0 { return .delivered(rejected: [:]) }
        let detail = String(decoding: stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        // sysexits.h: EX_TEMPFAIL (75) means try again later; anything else is final.
        return .failed(MailError(.rejected, "\(program) exited with \(status): \(detail)", transient: status == 75))
    }
}
