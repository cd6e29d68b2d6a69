public import Foundation

/// Decodes the bytes of a text file the way offices write them: UTF-8 with or
/// without a byte-order mark, or GB18030 (what Excel on Chinese Windows saves
/// as "CSV"). GB2312 is deliberately never tried: Foundation "decodes" GB18030
/// bytes as GB2312 into silent garbage.
public enum TextDecoding {
    /// GB18030, by its CoreFoundation number, which swift-corelibs-foundation
    /// understands on Linux.
    public static let gb18030 = String.Encoding(rawValue: 0x8000_0632)

    public enum Detected: String, Sendable {
        case utf8 = "UTF-8"
        case utf8BOM = "UTF-8 with BOM"
        case gb18030 = "GB18030"
    }

    public enum Failure: Error, Equatable {
        case utf16
        case undecodable
    }

    /// Returns the text's UTF-8 bytes (without BOM) and what it was.
    public static func utf8Bytes(of data: Data) throws(Failure) -> (bytes: [UInt8], encoding: Detected) {
        try utf8Bytes(of: [UInt8](data))
    }

    /// The same for bytes already in an array, which is handed back without
    /// a copy when it is UTF-8 (the byte-order mark removed in place).
    public static func utf8Bytes(of bytes: consuming [UInt8]) throws(Failure) -> (bytes: [UInt8], encoding: Detected) {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            bytes.removeFirst(3)
            guard isValidUTF8(bytes) else { throw .undecodable }
            return (bytes, .utf8BOM)
        }
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) { throw .utf16 }
        if isValidUTF8(bytes) { return (bytes, .utf8) }
        guard let text = String(bytes: bytes, encoding: gb18030) else { throw .undecodable }
        return (Array(text.utf8), .gb18030)
    }

    /// Validates without building a String: ASCII runs are skipped eight
    /// bytes at a time, and only multi-byte sequences are decoded, so a
    /// 200 MB ledger is checked in a fraction of its read time.
    static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            let n = buffer.count
            var i = 0
            while i < n {
                if i + 8 <= n {
                    let word = UnsafeRawPointer(buffer.baseAddress! + i).loadUnaligned(as: UInt64.self)
                    if word & 0x8080_8080_8080_8080 == 0 { i += 8; continue }
                }
                let b = buffer[i]
                if b < 0x80 { i += 1; continue }
                let length: Int
                var scalar: UInt32
                switch b {
                case 0xC2...0xDF: length = 2; scalar = UInt32(b & 0x1F)
                case 0xE0...0xEF: length = 3; scalar = UInt32(b & 0x0F)
                case 0xF0...0xF4: length = 4; scalar = UInt32(b & 0x07)
                default: return false
                }
                guard i + length <= n else { return false }
                for k in 1..<length {
                    let c = buffer[i + k]
                    guard c & 0xC0 == 0x80 else { return false }
                    scalar = scalar << 6 | UInt32(c & 0x3F)
                }
                // Overlong forms, surrogates and values past U+10FFFF are invalid.
                switch length {
                case 3: if scalar < 0x800 || (0xD800...0xDFFF).contains(scalar) { return false }
                case 4: if scalar < 0x10000 || scalar > 0x10FFFF { return false }
                default: break
                }
                i += length
            }
            return true
        }
    }
}
