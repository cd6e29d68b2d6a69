// duban-fuzz: coverage-guided fuzzing of what reads untrusted input — the
// ledger readers (CSV bytes, .xlsx zip bytes), single cell values (deadlines,
// statuses, checkpoints, dates) and the configuration parser.
//
// Built by `fuzz/run` with `-sanitize=fuzzer,address -DFUZZING`: libFuzzer then
// supplies main() and calls LLVMFuzzerTestOneInput. In a normal build the
// same target is a replayer: `duban-fuzz TARGET FILE…` runs inputs (the
// corpus, or a crash libFuzzer saved) through the same code.
import DubanConfig
import DubanCore
import DubanLedger
import Foundation

/// The fuzz target, chosen with the environment variable DUBAN_FUZZ_TARGET.
enum FuzzTarget: String, CaseIterable {
    case csv, xlsx, cells, config

    func run(_ bytes: [UInt8]) {
        switch self {
        case .csv:
            var diagnostics: [Diagnostic] = []
            var interpreter = LedgerInterpreter(file: "fuzz.csv", matcher: HeaderMatcher(), feedbackDate: LocalDate(year: 2026, month: 3, day: 15))
            let text = (try? TextDecoding.utf8Bytes(of: Data(bytes)))?.bytes ?? bytes
            try? CSVReader.parse(text, file: "fuzz.csv", diagnostics: &diagnostics) { interpreter.consume($0) }
            _ = interpreter.finish()
        case .xlsx:
            // The reader works on files: one per process, rewritten each run.
            let url = FuzzTarget.scratch.appendingPathComponent("fuzz.xlsx")
            try? Data(bytes).write(to: url)
            _ = LedgerLoader(feedbackDate: LocalDate(year: 2026, month: 3, day: 15)).load(url)
        case .cells:
            let text = String(decoding: bytes, as: UTF8.self)
            _ = DeadlineParser(reference: LocalDate(year: 2026, month: 3, day: 15)).parse(text)
            _ = CheckpointParser(reference: LocalDate(year: 2026, month: 3, day: 15)).parse(text)
            _ = StatusParser.parse(text)
            _ = DateText(reference: nil).parse(text)
            _ = HeaderMatcher().field(for: text)
        case .config:
            _ = try? Configuration.parse(String(decoding: bytes, as: UTF8.self), file: URL(fileURLWithPath: "/etc/duban/duban.toml"))
        }
    }

    static let scratch: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("duban-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    static var selected: FuzzTarget {
        FuzzTarget(rawValue: ProcessInfo.processInfo.environment["DUBAN_FUZZ_TARGET"] ?? "") ?? .csv
    }
}

#if FUZZING
// libFuzzer's driver, called from our own main: SwiftPM links executables with
// main aliased to this module's entry point, so libFuzzer's main() is never used.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@main
struct Fuzz {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            FuzzTarget.selected.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
            return 0
        }
        exit(status)
    }
}
#else
@main
struct Replay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("usage: duban-fuzz \(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")) FILE…\n".utf8))
            exit(64)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            target.run([UInt8](data))
        }
        print("replayed \(arguments.count - 1) input(s) through \(target.rawValue)")
    }
}
#endif
