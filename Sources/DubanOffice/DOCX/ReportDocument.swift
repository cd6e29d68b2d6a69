/// A document as a list of blocks: what a report says, independent of the
/// file it is written to. `DOCXWriter` writes it as WordprocessingML and
/// `ReportHTML` as HTML, so the .docx and the .html of one report cannot
/// drift apart.
public struct ReportDocument: Sendable, Hashable {
    public var title: String
    public var blocks: [Block]

    public init(title: String, blocks: [Block] = []) {
        self.title = title
        self.blocks = blocks
    }

    public enum Block: Sendable, Hashable {
        /// Level 1 or 2: Word's built-in "heading 1" / "heading 2" styles, HTML's h2 / h3
        /// (the title is the HTML's h1).
        case heading(level: Int, String)
        case paragraph([Run])
        /// A grid with a header row repeated on every page.
        case table(header: [String], rows: [[String]])
    }

    /// A stretch of text; `bold` for labels such as 整改措施：.
    public struct Run: Sendable, Hashable {
        public var text: String
        public var bold: Bool

        public init(_ text: String, bold: Bool = false) {
            self.text = text
            self.bold = bold
        }
    }
}

extension ReportDocument.Block {
    /// A plain paragraph.
    public static func text(_ text: String) -> Self { .paragraph([.init(text)]) }

    /// A paragraph that starts with a bold label: "整改进展：…".
    public static func labelled(_ label: String, _ text: String) -> Self { .paragraph([.init(label, bold: true), .init(text)]) }
}
