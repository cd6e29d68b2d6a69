// Test support shared by the test targets: real servers and real parsers,
// not mocks (aiosmtpd, Python's email package, openssl).
public import Foundation
import Synchronization

/// The root of the repository checkout this package was built from: every
/// test that needs a shipped file (config/, Tests/Support/, fuzz/) starts here.
public let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

public func temporaryFolder(_ tag: String) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("duban-\(tag)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

/// How a program ended and what it wrote.
public struct ProgramResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs a program to completion and returns its exit status, standard
/// output and standard error.
///
/// Both pipes are drained at the same time: read one after the other, a
/// program that fills the second pipe's buffer (64 KiB) while we wait for
/// the first to end would block forever, and so would we.
public func runProcess(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil) throws -> ProgramResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let errors = err.fileHandleForReading
    let collected = CollectedBytes()
    let reader = DispatchGroup()
    DispatchQueue.global().async(group: reader) {
        let bytes = errors.readDataToEndOfFile()
        collected.bytes.withLock { $0 = bytes }
    }
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    reader.wait()
    process.waitUntilExit()
    return ProgramResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                         stderr: collected.bytes.withLock { String(decoding: $0, as: UTF8.self) })
}

/// Standard error, read on another thread while standard output is read on this one.
private final class CollectedBytes: Sendable {
    let bytes = Mutex(Data())
}

/// Runs a program to completion and returns its standard output; throws
/// when it exits with anything but 0.
@discardableResult
public func runProgram(_ path: String, _ arguments: [String]) throws -> String {
    let result = try runProcess(URL(fileURLWithPath: path), arguments)
    guard result.status == 0 else {
        throw NSError(domain: "runProgram", code: Int(result.status),
                      userInfo: [NSLocalizedDescriptionKey: "\(path) \(arguments) failed: \(result.stderr)"])
    }
    return result.stdout
}

/// What Python's `email` package sees in a message (Tests/Support/parse_mail.py).
public struct ParsedMail: Decodable, Sendable {
    public struct Attachment: Decodable, Sendable {
        public struct Event: Decodable, Sendable { public var uid: String; public var summary: String; public var start: String; public var end: String }
        public var filename: String?
        public var type: String
        public var events: [Event]?
    }
    public var subject: String
    public var from: String
    public var to: String
    public var cc: String
    public var message_id: String
    public var date: String
    public var headers: [String]
    public var defects: [String]
    public var text: String?
    public var html: String?
    public var attachments: [Attachment]
    public var longest_line: Int
    public var bare_lf: Bool
}

public func parseWithPython(_ files: [URL]) throws -> [ParsedMail] {
    let output = try runProgram("/usr/bin/python3", [repository.appendingPathComponent("Tests/Support/parse_mail.py").path] + files.map(\.path))
    return try JSONDecoder().decode([ParsedMail].self, from: Data(output.utf8))
}

public func parseWithPython(_ bytes: [UInt8]) throws -> ParsedMail {
    let file = try temporaryFolder("eml").appendingPathComponent("m.eml")
    try Data(bytes).write(to: file)
    return try parseWithPython([file])[0]
}

/// A self-signed certificate for `localhost` and 127.0.0.1, made with openssl.
public func makeCertificate() throws -> (cert: String, key: String) {
    let folder = try temporaryFolder("cert")
    let cert = folder.appendingPathComponent("cert.pem").path, key = folder.appendingPathComponent("key.pem").path
    try runProgram("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                                        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
    return (cert, key)
}

/// aiosmtpd on a loopback port (Tests/Support/smtp_server.py), stopped by `stop()`.
public final class SMTPTestServer: @unchecked Sendable {
    let process = Process()
    let input = Pipe()
    public let spool: URL
    public let port: Int

    public init(_ options: [String] = [], port: Int? = nil) throws {
        spool = try temporaryFolder("spool")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [repository.appendingPathComponent("Tests/Support/smtp_server.py").path, "--spool", spool.path]
            + options + (port.map { ["--port", String($0)] } ?? [])
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Read the READY line byte by byte: nothing else is ever printed.
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("READY "), let port = Int(text.dropFirst(6)) else {
            process.terminate()
            throw NSError(domain: "SMTPTestServer", code: 1, userInfo: [NSLocalizedDescriptionKey: "server did not start: \(text)"])
        }
        self.port = port
    }

    /// Messages received so far, in order.
    public var received: [URL] {
        ((try? FileManager.default.contentsOfDirectory(at: spool, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.pathExtension == "eml" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    public func recipients(of message: URL) -> [String] {
        ((try? String(contentsOf: URL(fileURLWithPath: message.path + ".rcpt"), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    public func stop() {
        try? input.fileHandleForWriting.close()
        process.terminate()
        process.waitUntilExit()
    }

    deinit { if process.isRunning { stop() } }
}

