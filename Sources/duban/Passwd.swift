import ArgumentParser
import DubanConfig
import DubanConsole
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `duban passwd USER`: sets a web console user's password in `[http] users_file`.
struct Passwd: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set a web console user's password in [http] users_file (a bcrypt hash; the password is not stored).",
        discussion: """
            Reads the password from the terminal, twice and without echo; when standard input is not a terminal, \
            from its first line. Other users' lines are kept. Exits 0, 1 when the password could not be set \
            (empty, not confirmed, the users file malformed or not writable), 2 when the configuration is unusable.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The user name: no colon, no spaces.")
    var user: String

    @Option(help: ArgumentHelp("The users file (default: [http] users_file from the configuration).", valueName: "path"))
    var file: String?

    func validate() throws {
        guard ConsoleUsers.validName(user) else { throw ValidationError("a user name must not be empty or contain ':', spaces or control characters") }
    }

    func run() throws {
        let url = try usersFile()
        let existing: String
        if FileManager.default.fileExists(atPath: url.path) {
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw fail("\(url.path): cannot read the users file") }
            existing = text
        } else {
            existing = ""
        }
        // A file that would not load is not rewritten: the console would refuse it anyway.
        do { _ = try ConsoleUsers.parse(existing, file: url.path) } catch { throw fail("\(error)") }
        let password = try readPassword()
        let text = ConsoleUsers.setting(user: user, password: password, in: existing)
        do {
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            throw fail("\(url.path): cannot write the users file: \((error as NSError).localizedDescription)")
        }
        print("password of \(user) set in \(url.path)")
    }

    private func usersFile() throws -> URL {
        if let file { return URL(fileURLWithPath: file) }
        let configuration: Configuration
        do {
            configuration = try Configuration.load(from: URL(fileURLWithPath: global.config))
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitStatus.configurationUnusable
        }
        guard let file = configuration.http.usersFile else {
            FileHandle.standardError.write(Data("\(global.config): [http] users_file is not set; set it, or name the file with --file\n".utf8))
            throw ExitStatus.configurationUnusable
        }
        return file
    }

    private func readPassword() throws -> String {
        guard isatty(STDIN_FILENO) == 1 else {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw fail("no password on standard input") }
            return line
        }
        let first = readHidden("Password for \(user): ")
        guard !first.isEmpty else { throw fail("the password is empty") }
        guard readHidden("Again: ") == first else { throw fail("the passwords differ; nothing changed") }
        return first
    }

    /// One line from the terminal with echo off.
    private func readHidden(_ prompt: String) -> String {
        FileHandle.standardError.write(Data(prompt.utf8))
        var saved = termios()
        tcgetattr(STDIN_FILENO, &saved)
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSANOW, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSANOW, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return readLine(strippingNewline: true) ?? ""
    }

    /// Says what went wrong on stderr; the caller throws the exit code.
    private func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("duban passwd: \(message)\n".utf8))
        return ExitCode(1)
    }
}
