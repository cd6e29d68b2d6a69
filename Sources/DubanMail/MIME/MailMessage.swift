public import DubanCore
public import Foundation

/// A mail ready to be written as MIME: addresses, subject, the two renderings
/// of the body, and attachments. Every field that came from a ledger is
/// sanitised when the headers are written; addresses are validated here.
public struct MailMessage: Sendable, Equatable {
    public struct Attachment: Sendable, Equatable {
        public var filename: String
        /// e.g. `text/calendar; charset=UTF-8; method=PUBLISH`
        public var contentType: String
        public var data: [UInt8]

        public init(filename: String, contentType: String, data: [UInt8]) {
            self.filename = filename
            self.contentType = contentType
            self.data = data
        }
    }

    public var from: Contact
    public var to: [Contact]
    public var cc: [Contact]
    public var subject: String
    public var date: Date
    /// The zone the Date header is written in (the organisation's).
    public var timeZone: TimeZone
    /// Without angle brackets: `0123abcd.reminder@example.org`.
    public var messageID: String
    public var text: String
    public var html: String
    public var attachments: [Attachment]
    /// Extra `X-` headers (kind, identities) for operators and filters.
    public var extraHeaders: [(String, String)]

    public init(from: Contact, to: [Contact], cc: [Contact] = [], subject: String, date: Date,
                timeZone: TimeZone = TimeZone(identifier: "Asia/Shanghai")!, messageID: String,
                text: String, html: String, attachments: [Attachment] = [], extraHeaders: [(String, String)] = []) {
        self.from = from
        self.to = to
        self.cc = cc
        self.subject = subject
        self.date = date
        self.timeZone = timeZone
        self.messageID = messageID
        self.text = text
        self.html = html
        self.attachments = attachments
        self.extraHeaders = extraHeaders
    }

    public static func == (a: MailMessage, b: MailMessage) -> Bool {
        a.from == b.from && a.to == b.to && a.cc == b.cc && a.subject == b.subject && a.date == b.date
            && a.messageID == b.messageID && a.text == b.text && a.html == b.html && a.attachments == b.attachments
            && a.extraHeaders.map { "\($0.0):\($0.1)" } == b.extraHeaders.map { "\($0.0):\($0.1)" }
    }

    /// Every address the server must deliver to (To and Cc), acceptable ones only.
    public var envelopeRecipients: [String] {
        var seen = Set<String>()
        return (to + cc).compactMap(\.email).filter { MailAddress.isAcceptable($0) && seen.insert($0.lowercased()).inserted }
    }

    /// Addresses in To and Cc that are refused (an invisible character, not
    /// an address at all), with the reason: they are neither in a header nor
    /// in the envelope, and the caller reports them.
    public var refusedRecipients: [String: String] {
        var refused: [String: String] = [:]
        for address in (to + cc).compactMap(\.email) {
            if let reason = MailAddress.refusal(address) { refused[address] = reason }
        }
        return refused
    }
}

