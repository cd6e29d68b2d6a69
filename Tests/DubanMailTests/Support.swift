import DubanCore
@testable import DubanMail
import DubanTesting
import Foundation

func envelope(_ id: String, to recipients: [String], subject: String = "【整改提醒】测试") -> Envelope {
    let mail = MailMessage(from: Contact(name: "整改办", email: "duban@example.org"),
                           to: recipients.map { Contact(name: "收件人", email: $0) }, subject: subject,
                           date: Date(timeIntervalSince1970: 1_782_176_400), messageID: "\(id)@example.org",
                           text: "正文\n.\n..以点开头的行\n", html: "<p>正文</p>")
    return Envelope(messageID: id, from: "duban@example.org", recipients: recipients, data: MIMEWriter.write(mail))
}
