@testable import DubanConsole
import DubanTesting
import Foundation
import Testing

/// `duban passwd`, run as the built binary with the password on standard input.
@Suite struct PasswdCommandTests {
    static var binary: URL {
        // The test bundle and the executable are built into the same folder.
        var folder = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("duban").path), folder.path != "/" {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent("duban")
    }

    func passwd(_ arguments: [String], input: String) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["passwd"] + arguments
        let stdin = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, errors)
    }

    @Test func writesBcryptEntriesTheConsoleAccepts() throws {
        let folder = try temporaryFolder("passwd")
        let file = folder.appendingPathComponent("users")
        try "# 整改办\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(try passwd(["zgb", "--file", file.path], input: "first secret\n").status == 0)
        #expect(try passwd(["lead", "--file", file.path], input: "lead's secret\n").status == 0)
        #expect(try passwd(["zgb", "--file", file.path], input: "second secret\n").status == 0)
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.hasPrefix("# 整改办\n") && !text.contains("secret"))
        let users = try ConsoleUsers.load(from: file)
        #expect(users.hashes.keys.sorted() == ["lead", "zgb"])
        #expect(users.verify(user: "zgb", password: "second secret"))
        #expect(!users.verify(user: "zgb", password: "first secret"))
        #expect(users.verify(user: "lead", password: "lead's secret"))
    }

    @Test func refusesWhatItCannotDo() throws {
        let folder = try temporaryFolder("passwd")
        let file = folder.appendingPathComponent("users")
        // A name the file format cannot hold is a usage error.
        #expect(try passwd(["a:b", "--file", file.path], input: "x\n").status == 64)
        #expect(try passwd(["zgb", "--file", file.path], input: "").status == 1)
        // A malformed file is not rewritten.
        try "zgb plain-text-password\n".write(to: file, atomically: true, encoding: .utf8)
        let malformed = try passwd(["zgb", "--file", file.path], input: "x\n")
        #expect(malformed.status == 1 && malformed.stderr.contains("\(file.path):1:"))
        #expect(try String(contentsOf: file, encoding: .utf8) == "zgb plain-text-password\n")
        // Without --file the configuration must name the users file.
        let config = repository.appendingPathComponent("config/duban.toml").path
        let unset = try passwd(["zgb", "--config", config], input: "x\n")
        #expect(unset.status == 2 && unset.stderr.contains("users_file is not set"))
    }
}
