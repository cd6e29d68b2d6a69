public import Foundation

/// What openpyxl reads from a workbook (Tests/Support/read_xlsx.py).
public struct OpenpyxlWorkbook: Decodable, Sendable {
    /// A cell value as openpyxl returns it: text, a number, a date, or nothing.
    public enum Value: Decodable, Sendable, Equatable {
        case text(String)
        case number(Double)
        case date(String)
        case empty

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .empty }
            else if let text = try? container.decode(String.self) { self = .text(text) }
            else if let number = try? container.decode(Double.self) { self = .number(number) }
            else { self = .date(try container.decode([String: String].self)["date"] ?? "") }
        }
    }

    public var sheets: [String]
    public var title: String
    public var freeze: String?
    public var widths: [String: Double]
    public var header_bold: [Bool]
    public var rows: [[Value]]
    public var formats: [[String]]
    /// Part name → zip compression method (8 = deflate).
    public var parts: [String: Int]
    /// The first part whose CRC-32 does not match, if any.
    public var crc_error: String?
}

public func readWithOpenpyxl(_ url: URL) throws -> OpenpyxlWorkbook {
    let output = try runProgram("/usr/bin/python3", [repository.appendingPathComponent("Tests/Support/read_xlsx.py").path, url.path])
    return try JSONDecoder().decode(OpenpyxlWorkbook.self, from: Data(output.utf8))
}

/// Converts a document with LibreOffice (`soffice --headless --convert-to`),
/// e.g. to `txt:Text` or `html`, and returns the converted file. Each call
/// uses its own LibreOffice profile, so tests may convert in parallel.
public func convertWithLibreOffice(_ url: URL, to format: String) throws -> URL {
    let folder = try temporaryFolder("soffice")
    try runProgram("/usr/bin/soffice", ["-env:UserInstallation=file://\(folder.path)/profile", "--headless",
                                        "--convert-to", format, "--outdir", folder.path, url.path])
    let name = url.deletingPathExtension().lastPathComponent
    let extensionName = String(format.split(separator: ":")[0])
    let converted = folder.appendingPathComponent(name).appendingPathExtension(extensionName)
    guard FileManager.default.fileExists(atPath: converted.path) else {
        throw NSError(domain: "soffice", code: 1, userInfo: [NSLocalizedDescriptionKey: "LibreOffice did not convert \(url.path) to \(format)"])
    }
    return converted
}

/// Problems Tests/Support/check_html.py finds in an HTML file (unbalanced
/// elements, scripts, external images); empty when it is fine.
public func htmlProblems(_ html: String) throws -> [String] {
    let file = try temporaryFolder("html").appendingPathComponent("page.html")
    try html.write(to: file, atomically: true, encoding: .utf8)
    let output = try runProgram("/usr/bin/python3", [repository.appendingPathComponent("Tests/Support/check_html.py").path, file.path])
    return output.split(separator: "\n").map(String.init)
}

/// Parses every .xml and .rels part of a zip with Python's XML parser and
/// returns the parts that are not well-formed, with the parser's message.
public func malformedXMLParts(_ url: URL) throws -> [String] {
    let script = """
        import sys, zipfile, xml.dom.minidom
        z = zipfile.ZipFile(sys.argv[1])
        assert z.testzip() is None, "CRC error"
        for name in z.namelist():
            if name.endswith(".xml") or name.endswith(".rels"):
                try:
                    xml.dom.minidom.parseString(z.read(name))
                except Exception as e:
                    print(name + ": " + str(e))
        """
    return try runProgram("/usr/bin/python3", ["-c", script, url.path]).split(separator: "\n").map(String.init)
}
