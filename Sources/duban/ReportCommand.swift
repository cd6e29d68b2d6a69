import ArgumentParser
import DubanCore
import DubanDaemon
import DubanOffice
import Foundation

/// `duban report`: draft the stage report (整改情况报告) from the ledger.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Draft the stage report (整改情况报告) from the ledger, as HTML and as a Word .docx.",
        discussion: """
            Sections in the order offices write them: 一、总体情况 (figures), 二、问题整改情况 (per \
            problem: measures, status, progress and evidence, results), 三、长效机制建设 (长期坚持 \
            measures), 四、下一步打算 (open items by date). Files go to --out (default: the reports/ \
            folder beside the state database) as stage-report-DATE.html and .docx, never overwriting: \
            a second draft of a day gets -2, -3 … Reads only the ledger. Exits 0, 1 when the ledger \
            has errors (the draft is still written, from the rows Duban could read), 2 when the \
            configuration is unusable.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The moment the report describes; default: now.", valueName: "datetime"))
    var at: String?

    @Option(help: ArgumentHelp("Folder for the files.", valueName: "dir"))
    var out: String?

    func run() throws {
        let environment = try loadEnvironment(global)
        let clock = environment.clock
        var now = Date()
        if let at {
            guard let parsed = clock.parse(at) else { throw ValidationError("--at \(at): expected a date and time such as 2026-07-06T09:00") }
            now = parsed
        }
        let today = clock.date(of: now)
        let snapshot = environment.loadLedger()
        for diagnostic in snapshot.diagnostics where diagnostic.severity == .error { printErr(diagnostic.description) }
        let report = StageReportBuilder(planner: environment.planner).build(snapshot, today: today)
        let configuration = environment.configuration
        let document = StageReportDocument.make(report, organization: configuration.organization.name, programme: configuration.programme.name)

        let folder = out.map { URL(fileURLWithPath: $0) }
            ?? configuration.state.path.deletingLastPathComponent().appendingPathComponent("reports")
        let base: URL
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            base = Self.unusedBase(in: folder, name: "stage-report-\(today)")
            try Data(ReportHTML.render(document).utf8).write(to: base.appendingPathExtension("html"), options: .withoutOverwriting)
            try DOCXWriter.write(document, to: base.appendingPathExtension("docx"))
        } catch {
            printErr("duban: cannot write the report to \(folder.path): \(error)")
            throw ExitCode.failure
        }
        let f = report.figures
        print("report \(today): \(f.problems) problems (\(f.problemsRectified) rectified), \(f.tasks) tasks, \(f.done) done, "
              + "completion rate \(String(format: "%.1f%%", f.completionRate)), \(f.overdue) overdue")
        print("wrote \(base.appendingPathExtension("html").path)")
        print("wrote \(base.appendingPathExtension("docx").path)")
        let errors = snapshot.diagnostics.errorCount
        if errors > 0 {
            printErr("warning: the ledger has \(errors) error(s); the report covers only the rows Duban could read (see `duban check`)")
            throw ExitStatus.dataErrors
        }
    }

    /// `name`, or `name-2`, `name-3` …: the first for which neither file exists.
    static func unusedBase(in folder: URL, name: String) -> URL {
        var candidate = folder.appendingPathComponent(name)
        var n = 2
        while ["html", "docx"].contains(where: { FileManager.default.fileExists(atPath: candidate.appendingPathExtension($0).path) }) {
            candidate = folder.appendingPathComponent("\(name)-\(n)")
            n += 1
        }
        return candidate
    }
}
