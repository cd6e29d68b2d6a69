/// FNV-1a (64-bit): a hash that, unlike `Hasher`, is the same in every
/// process and every release. Message-IDs, MIME boundaries and calendar UIDs
/// are derived from it, so a message rendered again after a crash is
/// byte-identical and recognisable.
public struct StableHash: Sendable {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func combine(_ text: String) {
        for byte in text.utf8 { combine(byte) }
    }

    public mutating func combine(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x100_0000_01b3
    }

    public static func of(_ text: String) -> UInt64 {
        var hash = StableHash()
        hash.combine(text)
        return hash.value
    }
}
