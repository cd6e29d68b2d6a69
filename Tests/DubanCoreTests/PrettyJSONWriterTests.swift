import DubanCore
import Foundation
import Testing

/// `preview` and `simulate` stream their JSON; it must be byte for byte what
/// JSONEncoder wrote before, on any shape of value.
@Suite struct PrettyJSONWriterTests {
    indirect enum Value: Encodable {
        case object([String: Value])
        case array([Value])
        case string(String)
        case int(Int)

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .object(let fields):
                var container = encoder.container(keyedBy: Key.self)
                for (name, value) in fields { try container.encode(value, forKey: Key(stringValue: name)) }
            case .array(let values):
                var container = encoder.unkeyedContainer()
                for value in values { try container.encode(value) }
            case .string(let text):
                var container = encoder.singleValueContainer()
                try container.encode(text)
            case .int(let number):
                var container = encoder.singleValueContainer()
                try container.encode(number)
            }
        }

        func write(to json: inout PrettyJSONWriter) {
            switch self {
            case .object(let fields):
                json.beginObject()
                for name in fields.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes($1.utf8) }) {
                    json.key(name)
                    fields[name]!.write(to: &json)
                }
                json.endObject()
            case .array(let values):
                json.beginArray()
                for value in values { value.write(to: &json) }
                json.endArray()
            case .string(let text): json.string(text)
            case .int(let number): json.int(number)
            }
        }
    }

    static func random(_ generator: inout SeededGenerator, depth: Int) -> Value {
        let texts = ["", "T1-1", "a/b", "say \"hi\"", "back\\slash", "line\nbreak\r\ttab", "\u{08}\u{0C}\u{01}\u{1F}\u{7F}",
                     "整改时限：2026-06-30", "\u{2028}é", "reminder 7d"]
        let keys = ["at", "cc", "items", "kind", "level", "Z", "_x", "a10", "a9", "unreachable", "整改"]
        switch Int.random(in: 0..<(depth > 3 ? 2 : 4), using: &generator) {
        case 0: return .string(texts.randomElement(using: &generator)!)
        case 1: return .int(Int.random(in: -1_000_000...1_000_000, using: &generator))
        case 2:
            return .array((0..<Int.random(in: 0...4, using: &generator)).map { _ in random(&generator, depth: depth + 1) })
        default:
            var fields: [String: Value] = [:]
            for _ in 0..<Int.random(in: 0...5, using: &generator) {
                fields[keys.randomElement(using: &generator)!] = random(&generator, depth: depth + 1)
            }
            return .object(fields)
        }
    }

    @Test(arguments: 0..<200)
    func sameBytesAsJSONEncoder(seed: Int) throws {
        var generator = SeededGenerator(seed: UInt64(seed))
        // A document is an object or an array at the top, as preview's is.
        var value = Self.random(&generator, depth: 0)
        if case .string = value { value = .array([value]) } else if case .int = value { value = .object(["n": value]) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let expected = try encoder.encode(value)
        var written: [UInt8] = []
        var json = PrettyJSONWriter { written += $0 }
        value.write(to: &json)
        json.finish()
        #expect(String(decoding: written, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
    }

    @Test func largeOutputArrivesInPiecesAndWhole() {
        var pieces = 0
        var written: [UInt8] = []
        var json = PrettyJSONWriter { written += $0; pieces += 1 }
        json.beginArray()
        for i in 0..<20_000 { json.string("task \(i)") }
        json.endArray()
        json.finish()
        #expect(pieces > 1)
        let decoded = try? JSONDecoder().decode([String].self, from: Data(written))
        #expect(decoded?.count == 20_000 && decoded?.last == "task 19999")
    }

    /// Rates as the encoder writes them: a digest's figures in preview and simulate.
    @Test(arguments: [0.0, 50, 100, 12.5, 33.3, 66.7, 99.9, 1.0 / 3, 2.5e-3, 123456.75])
    func doublesAsJSONEncoderWritesThem(value: Double) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let expected = try encoder.encode(["rate": value])
        var written: [UInt8] = []
        var json = PrettyJSONWriter { written += $0 }
        json.beginObject()
        json.field("rate", value)
        json.endObject()
        json.finish()
        #expect(String(decoding: written, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
    }

    /// JSON has no NaN or infinity: JSONEncoder refuses them, and the writer
    /// wrote `nan` / `inf`, which no reader parses. A figure that is not a
    /// number is written as null (as an absent figure is), and the document
    /// stays JSON.
    @Test(arguments: [Double.nan, .infinity, -.infinity])
    func aNonFiniteNumberIsNull(value: Double) throws {
        var written: [UInt8] = []
        var json = PrettyJSONWriter { written += $0 }
        json.beginObject()
        json.field("a", value)
        json.key("b")
        json.double(value)
        json.endObject()
        json.finish()
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(written)) as? [String: Any], "\(String(decoding: written, as: UTF8.self))")
        #expect(parsed["a"] is NSNull && parsed["b"] is NSNull, "\(String(decoding: written, as: UTF8.self))")
    }
}
