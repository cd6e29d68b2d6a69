import DubanCore
import Foundation

/// Writes a `MailMessage` as RFC 5322 / MIME bytes with CRLF line ends:
/// `multipart/alternative` (text/plain + text/html, UTF-8, base64 in 76-column
/// lines), wrapped in `multipart/mixed` when there are attachments. Headers
/// with non-ASCII text use RFC 2047 encoded-words.
public enum MIMEWriter {
    public static func write(_ message: MailMessage) -> [UInt8] {
        var headers: [String] = []
        headers.append("From: " + HeaderText.mailbox(name: message.from.name, address: message.from.email ?? ""))
        // Refused addresses never reach a header (`MailMessage.refusedRecipients` says why).
        let to = message.to.filter { $0.email.map(MailAddress.isAcceptable) == true }
        let cc = message.cc.filter { $0.email.map(MailAddress.isAcceptable) == true }
        if !to.isEmpty { headers.append(addressList("To", to)) }
        if !cc.isEmpty { headers.append(addressList("Cc", cc)) }
        headers.append(HeaderText.unstructured(name: "Subject", message.subject))
        headers.append("Date: " + rfc5322Date(message.date, timeZone: message.timeZone))
        headers.append("Message-ID: <\(HeaderText.sanitize(message.messageID).replacingOccurrences(of: " ", with: ""))>")
        headers.append("MIME-Version: 1.0")
        // Marks the mail as machine-sent, so auto-responders stay quiet (RFC 3834).
        headers.append("Auto-Submitted: auto-generated")
        for (name, value) in message.extraHeaders {
            let safeName = name.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            headers.append(HeaderText.unstructured(name: safeName, value))
        }

        let seed = message.messageID
        let alternative = boundary("alt", seed)
        var body = ""
        var alternativePart = ""
        alternativePart += "--\(alternative)\r\n" + textPart("text/plain", message.text)
        alternativePart += "--\(alternative)\r\n" + textPart("text/html", message.html)
        alternativePart += "--\(alternative)--\r\n"

        if message.attachments.isEmpty {
            headers.append("Content-Type: multipart/alternative; boundary=\"\(alternative)\"")
            body = alternativePart
        } else {
            let mixed = boundary("mix", seed)
            headers.append("Content-Type: multipart/mixed; boundary=\"\(mixed)\"")
            body += "--\(mixed)\r\nContent-Type: multipart/alternative; boundary=\"\(alternative)\"\r\n\r\n" + alternativePart
            for attachment in message.attachments {
                let filename = attachment.filename.filter { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
                body += "--\(mixed)\r\n"
                body += "Content-Type: \(attachment.contentType);\r\n name=\"\(filename)\"\r\n"
                body += "Content-Disposition: attachment; filename=\"\(filename)\"\r\n"
                body += "Content-Transfer-Encoding: base64\r\n\r\n"
                body += Base64.mimeBody(attachment.data)
            }
            body += "--\(mixed)--\r\n"
        }
        return Array((headers.joined(separator: "\r\n") + "\r\n\r\n" + body).utf8)
    }

    private static func addressList(_ name: String, _ contacts: [Contact]) -> String {
        let boxes = contacts.map { HeaderText.mailbox(name: $0.name, address: $0.email!) }
        // Folding happens between the words of mailboxes: never inside an encoded-word or an address.
        let tokens = boxes.enumerated().flatMap { index, box in
            (box + (index < boxes.count - 1 ? "," : "")).split(separator: " ").map(String.init)
        }
        return HeaderText.fold(name: name, tokens: tokens)
    }

    private static func textPart(_ type: String, _ text: String) -> String {
        let normalised = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        return "Content-Type: \(type); charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + Base64.mimeBody(Array(normalised.utf8))
    }

    /// A boundary that cannot occur in base64 bodies (it contains `=_`) and
    /// is stable for a given message, so a re-render is byte-identical.
    private static func boundary(_ tag: String, _ seed: String) -> String {
        "=_duban_\(tag)_\(String(StableHash.of(tag + seed), radix: 36))"
    }

    /// `Tue, 23 Jun 2026 09:00:00 +0800`, in the organisation's zone.
    static func rfc5322Date(_ date: Date, timeZone: TimeZone) -> String {
        MailDate.rfc5322(date, timeZone: timeZone)
    }
}
