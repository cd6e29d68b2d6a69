/// A server reply (RFC 5321 §4.2): a three-digit code and one or more text
/// lines (`250-first` … `250 last`).
public struct SMTPReply: Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var lines: [String]

    public init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines
    }

    public var isPositive: Bool { (200..<400).contains(code) }
    public var isTransientFailure: Bool { (400..<500).contains(code) }
    public var isPermanentFailure: Bool { code >= 500 }

    /// `550 5.1.1 no such user` (all lines joined).
    public var description: String { "\(code) " + lines.joined(separator: " / ") }
}

/// Turns bytes from the server into replies. Lines end in CRLF (a bare LF is
/// tolerated); a line `NNN-text` continues the reply, `NNN text` ends it.
public struct SMTPReplyParser: Sendable {
    private var buffer: [UInt8] = []
    private var lines: [String] = []
    private var code: Int?

    /// A reply line longer than this is a protocol error, not a memory sink.
    static let maximumLineLength = 4096
    /// So is a reply of more lines than this: an endless `250-` continuation
    /// would otherwise grow until the timeout. Real EHLO replies have a
    /// dozen or two; together the caps bound a reply to 512 KiB.
    static let maximumLines = 128

    public init() {}

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case malformed(String)
        case lineTooLong
        case tooManyLines

        public var description: String {
            switch self {
            case .malformed(let line): return "a line that is not an SMTP reply (\"\(line.prefix(80))\")"
            case .lineTooLong: return "a reply line longer than \(SMTPReplyParser.maximumLineLength) bytes"
            case .tooManyLines: return "a reply of more than \(SMTPReplyParser.maximumLines) lines"
            }
        }
    }

    /// Adds bytes and returns every reply they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(ParseError) -> [SMTPReply] {
        var replies: [SMTPReply] = []
        for byte in bytes {
            if byte == 0x0A {
                var line = buffer
                if line.last == 0x0D { line.removeLast() }
                buffer.removeAll(keepingCapacity: true)
                if let reply = try take(String(decoding: line, as: UTF8.self)) { replies.append(reply) }
            } else {
                buffer.append(byte)
                if buffer.count > Self.maximumLineLength { throw .lineTooLong }
            }
        }
        return replies
    }

    /// Forgets anything received but not yet a whole reply. Called after
    /// STARTTLS: bytes that arrived before the TLS handshake were not
    /// protected and must not be read as the server's words (CVE-2011-0411).
    public mutating func discardBuffered() {
        buffer.removeAll()
        lines.removeAll()
        code = nil
    }

    public var hasBufferedData: Bool { !buffer.isEmpty || !lines.isEmpty }

    private mutating func take(_ line: String) throws(ParseError) -> SMTPReply? {
        let bytes = Array(line.utf8)
        guard bytes.count >= 3, bytes[0...2].allSatisfy({ (0x30...0x39).contains($0) }),
              let value = Int(String(decoding: bytes[0...2], as: UTF8.self)) else {
            throw .malformed(line)
        }
        if let code, code != value { throw .malformed(line) }
        code = value
        let separator: UInt8 = bytes.count > 3 ? bytes[3] : 0x20
        guard lines.count < Self.maximumLines else { throw .tooManyLines }
        lines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
        switch separator {
        case 0x2D: return nil  // '-': more lines follow
        case 0x20:
            let reply = SMTPReply(code: value, lines: lines)
            lines = []
            self.code = nil
            return reply
        default:
            throw .malformed(line)
        }
    }
}
