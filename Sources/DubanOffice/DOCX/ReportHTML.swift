/// A `ReportDocument` as one self-contained HTML page: inline CSS, no
/// script, no external resources, every text escaped. Opens in a browser and
/// pastes into Word or WPS with its headings kept.
public enum ReportHTML {
    public static func render(_ document: ReportDocument) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="zh-CN">
            <head>
            <meta charset="utf-8">
            <title>\(escape(document.title))</title>
            <style>
            body { font-family: "FangSong", "仿宋", "仿宋_GB2312", serif; font-size: 16pt; line-height: 1.75; max-width: 46em; margin: 2em auto; padding: 0 1em; }
            h1 { font-family: "方正小标宋简体", "SimSun", serif; font-size: 22pt; font-weight: normal; text-align: center; }
            h2 { font-family: "SimHei", "黑体", sans-serif; font-size: 16pt; font-weight: normal; }
            h3 { font-family: "KaiTi", "楷体", serif; font-size: 16pt; font-weight: normal; }
            p { text-indent: 2em; margin: 0; }
            table { border-collapse: collapse; width: 100%; font-size: 12pt; margin: 0.5em 0; }
            th, td { border: 1px solid #000; padding: 2px 6px; text-align: left; vertical-align: top; }
            </style>
            </head>
            <body>
            <h1>\(escape(document.title))</h1>

            """
        for block in document.blocks {
            switch block {
            case .heading(let level, let text):
                let tag = level <= 1 ? "h2" : "h3"
                html += "<\(tag)>\(escape(text))</\(tag)>\n"
            case .paragraph(let runs):
                html += "<p>" + runs.map { $0.bold ? "<b>\(escape($0.text))</b>" : escape($0.text) }.joined() + "</p>\n"
            case .table(let header, let rows):
                html += "<table>\n"
                if !header.isEmpty { html += "<tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n" }
                for row in rows { html += "<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n" }
                html += "</table>\n"
            }
        }
        return html + "</body>\n</html>\n"
    }

    /// Escapes text for element content and attribute values; line breaks
    /// become `<br>`, and characters XML forbids are shown as XMLText does.
    static func escape(_ text: String) -> String {
        XMLText.escape(text).replacingOccurrences(of: "&#13;\n", with: "\n").replacingOccurrences(of: "&#13;", with: "\n")
            .replacingOccurrences(of: "'", with: "&#39;").replacingOccurrences(of: "\n", with: "<br>")
    }
}
