import Foundation
import Subprocess

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
        for (index, envelope) in batch.enumerated() where await each(index, await send(envelope)) == .stop { return }
    }

    /// The most of sendmail's standard error kept for the failure message.
    static let errorLimit = 1 << 20

    /// Runs sendmail with swift-subprocess: its input is written and its
    /// standard error read concurrently, and the exit is awaited without
    /// holding a thread (`Process.waitUntilExit` blocked one of the
    /// cooperative pool's few threads for as long as the MTA took).
    func send(_ envelope: Envelope) async -> DeliveryResult {
        guard FileManager.default.isExecutableFile(atPath: program) else {
            return .failed(MailError(.configuration, "\(program) does not exist or is not executable", transient: true))
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
        let result: ExecutionResult<Void, DiscardedOutput, StringOutput<UTF8>>
        do {
            result = try await run(
                .path(.init(program)), arguments: .init(["-i", "-f", envelope.from, "--"] + envelope.recipients),
                // Our sd_notify socket is not the MTA's to use.
                environment: .inherit.updating(["NOTIFY_SOCKET": nil]),
                input: .array(unix), output: .discarded, error: .string(limit: Self.errorLimit))
        } catch {
            return .failed(MailError(.io, "cannot run \(program): \(error)", transient: true))
        }
        let detail = result.standardError.trimmingCharacters(in: .whitespacesAndNewlines)
        switch result.terminationStatus {
        case .exited(0):
            return .delivered(rejected: [:])
        case .exited(let status):
            // sysexits.h: EX_TEMPFAIL (75) means try again later; anything else is final.
            return .failed(MailError(.rejected, "\(program) exited with \(status): \(detail)", transient: status == 75))
        case .signaled(let signal):
            // Killed (the OOM killer, a timeout): nothing says the MTA took the message.
            return .failed(MailError(.io, "\(program) was killed by signal \(signal): \(detail)", transient: true))
        }
    }
}
