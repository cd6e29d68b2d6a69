import DubanCore
@testable import DubanMail
import DubanTesting
import Foundation
import Testing

@Suite struct MIMEWriterTests {
    func hostileMessage() -> MailMessage {
        MailMessage(
            from: Contact(name: "整改办督办系统", email: "duban@example.org"),
            to: [Contact(name: "张伟\r\nBcc: evil@example.org", email: "zhang.wei@example.org"),
                 Contact(name: "Bad", email: "not-an-address\r\nBcc: evil@example.org")],
            cc: [Contact(name: "李强", email: "li.qiang@example.org")],
            subject: "【整改提醒】您有3项整改任务\r\nBcc: evil@example.org 将于2026-06-30到期",
            date: Date(timeIntervalSince1970: 1_782_176_400), messageID: "abc.reminder@example.org",
            text: "第一行\n第二行\n", html: "<p>你好</p>",
            attachments: [.init(filename: "deadline.ics", contentType: "text/calendar; charset=UTF-8; method=PUBLISH",
                                data: ICalendar.document([.init(taskID: TaskID("T1-1"), date: LocalDate("2026-06-30")!, summary: "整改时限：制定计划, 印发", description: "说明;\n第二行")],
                                                         domain: "example.org", timeZone: TimeZone(identifier: "Asia/Shanghai")!, stamp: Date(timeIntervalSince1970: 1_782_176_400)))])
    }

    @Test func pythonsMIMEParserReadsItBackWithoutDefects() throws {
        let parsed = try parseWithPython(MIMEWriter.write(hostileMessage()))
        #expect(parsed.defects == [])
        #expect(parsed.subject == "【整改提醒】您有3项整改任务 Bcc: evil@example.org 将于2026-06-30到期")
        #expect(parsed.from == "整改办督办系统 <duban@example.org>")
        // The name keeps its text on one line (quoted by Python for its colon); the invalid address is dropped.
        #expect(parsed.to == "\"张伟 Bcc: evil@example.org\" <zhang.wei@example.org>")
        #expect(parsed.cc == "李强 <li.qiang@example.org>")
        #expect(!parsed.headers.contains("bcc"))
        #expect(parsed.message_id == "<abc.reminder@example.org>")
        #expect(parsed.date == "Tue, 23 Jun 2026 09:00:00 +0800")
        #expect(parsed.text == "第一行\n第二行\n")
        #expect(parsed.html == "<p>你好</p>\n" || parsed.html == "<p>你好</p>")
        #expect(parsed.longest_line <= 78)
        #expect(!parsed.bare_lf)
        let calendar = try #require(parsed.attachments.first)
        #expect(calendar.filename == "deadline.ics" && calendar.type == "text/calendar")
        let event = try #require(calendar.events?.first)
        #expect(event.summary == "整改时限：制定计划, 印发")
        #expect(event.start == "2026-06-30" && event.end == "2026-07-01")
        #expect(event.uid.hasPrefix("duban-T1-1-") && event.uid.hasSuffix("@example.org"))
        #expect(MailMessage.envelopeRecipientsOf(hostileMessage()) == ["zhang.wei@example.org", "li.qiang@example.org"])
    }

    @Test func anAddressWithAFormatOrControlCharacterIsRefused() {
        let spoofed = "zhang\u{202E}gro.elpmaxe@example.org"
        let mail = MailMessage(from: Contact(name: "整改办", email: "duban@example.org"),
                               to: [Contact(name: "张伟", email: spoofed), Contact(name: "李强", email: "li.qiang@example.org")],
                               cc: [Contact(name: "孙丽", email: "sun\u{200B}li@example.org")],
                               subject: "s", date: Date(timeIntervalSince1970: 1_782_176_400), messageID: "x@example.org", text: "t", html: "h")
        #expect(mail.envelopeRecipients == ["li.qiang@example.org"])
        let bytes = MIMEWriter.write(mail)
        #expect(!String(decoding: bytes, as: UTF8.self).unicodeScalars.contains { $0.value == 0x202E || $0.value == 0x200B })
    }
}
