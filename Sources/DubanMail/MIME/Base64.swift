/// Base64 (RFC 4648), and the MIME body form of it: lines of 76 characters
/// ending in CRLF (RFC 2045 §6.8).
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let n = UInt32(bytes[i]) << 16
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
        } else if rest == 2 {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], UInt8(ascii: "=")]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Base64 in lines of at most 76 characters, each ending in CRLF.
    static func mimeBody(_ bytes: [UInt8]) -> String {
        let encoded = Array(encode(bytes).utf8)
        var out = ""
        out.reserveCapacity(encoded.count + encoded.count / 76 * 2 + 2)
        var i = 0
        while i < encoded.count {
            let end = min(i + 76, encoded.count)
            out += String(decoding: encoded[i..<end], as: UTF8.self) + "\r\n"
            i = end
        }
        return out
    }
}
