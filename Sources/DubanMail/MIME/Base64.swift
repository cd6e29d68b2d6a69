import Foundation

/// Base64 (RFC 4648) from Foundation, and the MIME body form of it: lines of
/// 76 characters ending in CRLF (RFC 2045 §6.8).
enum Base64 {
    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }

    /// Base64 in lines of at most 76 characters, each ending in CRLF.
    /// Foundation ends every line but the last; a MIME body part ends its
    /// last line too, so the boundary that follows starts a line of its own.
    static func mimeBody(_ bytes: [UInt8]) -> String {
        guard !bytes.isEmpty else { return "" }
        return Data(bytes).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed]) + "\r\n"
    }
}
