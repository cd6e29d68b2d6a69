import DubanCore
@testable import DubanMail
import DubanTesting
import Foundation
import Testing

extension MailMessage {
    static func envelopeRecipientsOf(_ m: MailMessage) -> [String] { m.envelopeRecipients }
}

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
