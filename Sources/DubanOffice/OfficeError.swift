/// Writing an Office file failed. Nothing here is transient: the same input
/// fails the same way, except `.io`, where a full disk may be freed.
public struct OfficeError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable {
        /// The file could not be created or written.
        case io
        /// The archive would need ZIP64 (a part or the whole over 4 GiB, or over 65535 parts).
        case tooLarge
        /// zlib refused to start or to compress.
        case compression
        /// The caller asked for something the format cannot hold (a sheet name with `/`, a row after `finish`).
        case invalidInput
    }

    public var code: Code
    public var message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    public var isTransient: Bool { code == .io }
}
