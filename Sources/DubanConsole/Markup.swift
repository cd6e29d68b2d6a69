import Foundation

/// HTML built by string interpolation in which every interpolated value is
/// escaped unless it is itself `Markup`. Ledger text can therefore only ever
/// reach a page as text: forgetting to escape is not possible to write.
struct Markup: ExpressibleByStringInterpolation, Sendable {
    var rendered: String

    init(stringLiteral value: String) {
        rendered = value
    }

    init(stringInterpolation: Interpolation) {
        rendered = stringInterpolation.output
    }

    init(_ parts: [Markup]) {
        rendered = parts.map(\.rendered).joined()
    }

    struct Interpolation: StringInterpolationProtocol {
        var output = ""

        init(literalCapacity: Int, interpolationCount: Int) {
            output.reserveCapacity(literalCapacity + interpolationCount * 16)
        }

        mutating func appendLiteral(_ literal: String) { output += literal }
        mutating func appendInterpolation(_ text: String) { output += Markup.escape(text) }
        mutating func appendInterpolation(_ value: Int) { output += String(value) }
        mutating func appendInterpolation(_ markup: Markup) { output += markup.rendered }
        mutating func appendInterpolation(_ parts: [Markup]) { output += parts.map(\.rendered).joined() }
    }

    /// Escapes text for element content and quoted attribute values. Control
    /// characters other than tab and line breaks become spaces.
    static func escape(_ text: String) -> String {
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F { result += " " } else { result.unicodeScalars.append(scalar) }
            }
        }
        return result
    }
}

/// Query strings for links: everything but unreserved ASCII is percent-encoded,
/// so a task id with `&`, `#`, `/` or Chinese in it survives the round trip.
enum Query {
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func encode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    static func string(_ pairs: [(String, String)]) -> String {
        pairs.filter { !$0.1.isEmpty }.map { "\($0.0)=\(encode($0.1))" }.joined(separator: "&")
    }

    static func task(_ id: String) -> String {
        "/task?id=\(encode(id))"
    }
}
