public import Foundation
import HummingbirdBcrypt

/// The people allowed in when the console is reachable from other hosts:
/// a text file of `name:bcrypt-hash` lines (`#` starts a comment), written by
/// `duban passwd USER`. Only hashes are stored.
public struct ConsoleUsers: Sendable {
    public private(set) var hashes: [String: String]

    public init(hashes: [String: String] = [:]) {
        self.hashes = hashes
    }

    /// Reads the file; a line that is not `name:$2…` is an error naming the file and line.
    public static func load(from url: URL) throws(ConsoleError) -> ConsoleUsers {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw ConsoleError("\(url.path): cannot read the users file (write one with `duban passwd USER`)")
        }
        return try parse(text, file: url.path)
    }

    public static func parse(_ text: String, file: String) throws(ConsoleError) -> ConsoleUsers {
        var users = ConsoleUsers()
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let colon = trimmed.firstIndex(of: ":"), case let name = String(trimmed[..<colon]), validName(name),
                  case let hash = String(trimmed[trimmed.index(after: colon)...]), hash.hasPrefix("$2") else {
                throw ConsoleError("\(file):\(index + 1): expected `name:bcrypt-hash` (written by `duban passwd USER`)")
            }
            if users.hashes[name] != nil { throw ConsoleError("\(file):\(index + 1): user \(name) appears twice") }
            users.hashes[name] = hash
        }
        return users
    }

    /// A user name: not empty, no colon, no spaces or control characters.
    public static func validName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { $0 != ":" && !CharacterSet.whitespacesAndNewlines.contains($0) && !CharacterSet.controlCharacters.contains($0) }
    }

    /// True when `password` is the user's.
    public func verify(user: String, password: String) -> Bool {
        guard let hash = hashes[user] else { return false }
        return Bcrypt.verify(password, hash: hash)
    }

    /// The file's text with `user`'s entry set to a new hash of `password`:
    /// other lines, comments included, stay as they were.
    public static func setting(user: String, password: String, in text: String, cost: UInt8 = 12) -> String {
        let entry = "\(user):\(Bcrypt.hash(password, cost: cost))"
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        if let index = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("\(user):") }) {
            lines[index] = entry
        } else {
            lines.append(entry)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The console cannot start: a users file that is missing or malformed.
public struct ConsoleError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
