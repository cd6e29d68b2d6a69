import ArgumentParser
import DubanConfig
import DubanCore
import DubanDaemon
import DubanMail
import Foundation

/// `duban send-test --to ADDR`: one message through the configured transport.
struct SendTest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-test",
        abstract: "Send one test message through the configured transport and say exactly what went wrong if it fails.",
        discussion: "Exits 0 when the message was accepted, 1 when it was not, 2 when the configuration is unusable."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Recipient address.", valueName: "address"))
    var to: String

    func validate() throws {
        guard EmailAddress.isValid(to) else { throw ValidationError("--to \(to) is not a valid email address") }
    }

    func run() async throws {
        let environment = try loadEnvironment(global)
        let transport: any MailTransport
        do {
            transport = try environment.makeTransport()
        } catch {
            printErr(error.description)
            throw ExitStatus.configurationUnusable
        }
        let configuration = environment.configuration
        let now = Date()
        let english = configuration.organization.locale == .en
        let mail = MailMessage(
            from: configuration.mail.from, to: [Contact(name: to, email: to)],
            subject: english ? "[\(configuration.organization.name)] Duban test message" : "【督办】测试邮件（\(configuration.organization.name)）",
            date: now, timeZone: configuration.organization.timeZone,
            messageID: "test-\(UUID().uuidString.lowercased())@duban.invalid",
            text: english ? "This is a test message from Duban.\n" : "这是督办系统发出的测试邮件，收到即说明邮件通道正常。\n",
            html: english ? "<p>This is a test message from Duban.</p>" : "<p>这是督办系统发出的测试邮件，收到即说明邮件通道正常。</p>")
        print("sending through \(transport.description) …")
        let result = await transport.deliver([Envelope(messageID: mail.messageID, from: configuration.mail.from.email ?? "",
                                                       recipients: [to], data: MIMEWriter.write(mail))])
        switch result.first {
        case .delivered(let rejected) where rejected.isEmpty:
            print("ok: accepted for \(to)")
        case .delivered(let rejected):
            print("refused: \(rejected.map { "\($0.key): \($0.value)" }.joined(separator: "; "))")
            throw ExitStatus.dataErrors
        case .failed(let error):
            print("failed at \(error.stage): \(error.message)\(error.isTransient ? " (temporary: a retry may succeed)" : "")")
            throw ExitStatus.dataErrors
        case nil:
            throw ExitStatus.dataErrors
        }
    }
}
