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
        if data.starts(with: [0xEF, 0xBB, 0xBF]) {
            let bytes = [UInt8](data.dropFirst(3))
            guard isValidUTF8(bytes) else { throw .undecodable }
            return (bytes, .utf8BOM)
        }
        if data.starts(with: [0xFF, 0xFE]) || data.starts(with: [0xFE, 0xFF]) { throw .utf16 }
        let bytes = [UInt8](data)
        if isValidUTF8(bytes) { return (bytes, .utf8) }
        guard let text = String(data: data, encoding: gb18030) else { throw .undecodable }
        return (Array(text.utf8), .gb18030)
    }

    /// Validates without building a String, so a 100 MB UTF-8 file is checked in one pass.
    static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }
}
