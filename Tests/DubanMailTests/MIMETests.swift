import DubanCore
@testable import DubanMail
import DubanTesting
import Foundation
import Testing

@Suite struct HeaderTextTests {
    @Test func encodedWordsSplitOnWholeCharactersAndFit() {
        let subject = "【督办·升级】27项整改任务逾期仍未完成，请各分管领导督促责任部门抓紧整改到位并报送佐证材料"
        let words = HeaderText.encodedWords(subject)
        #expect(words.count > 1)
        var decoded: [UInt8] = []
        for word in words {
            #expect(word.count <= 64)
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            let payload = String(word.dropFirst(10).dropLast(2))
            let bytes = [UInt8](Data(base64Encoded: payload)!)
            // Each word decodes on its own: no character is cut in half.
            #expect(String(validating: bytes, as: UTF8.self) != nil)
            decoded += bytes
        }
        #expect(String(decoding: decoded, as: UTF8.self) == subject)
        let folded = HeaderText.unstructured(name: "Subject", subject)
        #expect(folded.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 78 })
    }

    @Test func controlCharactersNeverReachAHeader() {
        #expect(HeaderText.sanitize("正文\r\nBcc: evil@example.org\u{0}x") == "正文 Bcc: evil@example.org x")
        #expect(HeaderText.mailbox(name: "Zhang \"Wei\"", address: "z@example.org") == "\"Zhang \\\"Wei\\\"\" <z@example.org>")
        #expect(HeaderText.mailbox(name: nil, address: "z@example.org") == "<z@example.org>")
    }

    @Test func base64BodyLines() {
        #expect(Base64.encode(Array("Man".utf8)) == "TWFu")
        #expect(Base64.encode(Array("Ma".utf8)) == "TWE=")
        #expect(Base64.encode(Array("M".utf8)) == "TQ==")
        let body = Base64.mimeBody([UInt8](repeating: 0xE6, count: 500))
        let lines = body.components(separatedBy: "\r\n").dropLast()
        #expect(lines.dropLast().allSatisfy { $0.count == 76 })
        #expect(lines.last!.count <= 76)
    }

    @Test func dotStuffing() {
        var buffer = SMTPConnection.dotStuffed(Array("a\r\n.b\r\n..c\nlast".utf8))
        #expect(buffer.readString(length: buffer.readableBytes) == "a\r\n..b\r\n...c\r\nlast\r\n.\r\n")
    }
}

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

extension MailMessage {
    static func envelopeRecipientsOf(_ m: MailMessage) -> [String] { m.envelopeRecipients }
}
