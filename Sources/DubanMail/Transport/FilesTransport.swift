public import Foundation

/// The embedded default: each message is written as an `.eml` file into a
/// folder, so a newcomer sees real mail without a server. Files are written
/// atomically (a temporary file renamed into place) and named by Message-ID,
/// so a resend after a crash replaces the same file instead of adding one.
public struct FilesTransport: MailTransport {
    public var folder: URL

    public init(folder: URL) {
        self.folder = folder
    }

    public var description: String { "files: \(folder.path)" }

    public func deliver(_ batch: [Envelope], each: (Int, DeliveryResult) async -> BatchDecision) async {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            let failure = MailError(.io, "cannot create the mail folder \(folder.path): \((error as NSError).localizedDescription)", transient: true)
            for index in batch.indices where await each(index, .failed(failure)) == .stop { return }
            return
        }
        for (index, envelope) in batch.enumerated() where await each(index, write(envelope)) == .stop { return }
    }

    private func write(_ envelope: Envelope) -> DeliveryResult {
        do {
            let name = envelope.messageID.filter { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.@".contains($0)) }
            let url = folder.appendingPathComponent("\(name).eml")
            // Data.write(.atomic) writes a temporary file and renames it over the target.
            try Data(envelope.data).write(to: url, options: .atomic)
            return .delivered(rejected: [:])
        } catch {
            return .failed(MailError(.io, "cannot write into \(folder.path): \((error as NSError).localizedDescription)", transient: true))
        }
    }
}
