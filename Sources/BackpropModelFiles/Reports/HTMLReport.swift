import Foundation

/// A self-contained HTML page (inline CSS and SVG, no scripts or external files) that opens
/// offline in any browser: a title, a table of key figures, and sections of charts and text.
public struct HTMLReport: Sendable {
    /// The page title.
    public var title: String
    /// Key figures shown as a two-column table at the top.
    public var summary: [(label: String, value: String)] = []
    private var sections: [String] = []

    public init(title: String) {
        self.title = title
    }

    /// Adds a section with a heading, an optional paragraph, and charts (SVG markup) laid
    /// out in a grid. `id` becomes the section's HTML id (for links and tests).
    public mutating func addSection(_ heading: String, id: String? = nil, text: String? = nil, charts: [String]) {
        var html = id.map { "<section id=\"\(escapeXML($0))\">" } ?? "<section>"
        html += "<h2>\(escapeXML(heading))</h2>"
        if let text { html += "<p>\(escapeXML(text))</p>" }
        html += "<div class=\"charts\">" + charts.map { "<figure>\($0)</figure>" }.joined() + "</div></section>"
        sections.append(html)
    }

    /// Adds a section with a heading, a paragraph and a bulleted list.
    public mutating func addList(_ heading: String, id: String? = nil, text: String, items: [String]) {
        var html = id.map { "<section id=\"\(escapeXML($0))\">" } ?? "<section>"
        html += "<h2>\(escapeXML(heading))</h2><p>\(escapeXML(text))</p><ul>"
        html += items.map { "<li>\(escapeXML($0))</li>" }.joined() + "</ul></section>"
        sections.append(html)
    }

    /// Adds a section holding a table.
    public mutating func addTable(_ heading: String, header: [String], rows: [[String]]) {
        let head = "<tr>" + header.map { "<th>\(escapeXML($0))</th>" }.joined() + "</tr>"
        let body = rows.map { "<tr>" + $0.map { "<td>\(escapeXML($0))</td>" }.joined() + "</tr>" }.joined()
        sections.append("<section><h2>\(escapeXML(heading))</h2><table>\(head)\(body)</table></section>")
    }

    /// The complete page.
    public func html() -> String {
        let figures = summary.map { "<tr><th>\(escapeXML($0.label))</th><td>\(escapeXML($0.value))</td></tr>" }.joined()
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>\(escapeXML(title))</title>
        <style>
        body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1200px; color: #222; padding: 0 16px; }
        h1 { font-size: 22px; margin-bottom: 8px; }
        h2 { font-size: 17px; border-bottom: 1px solid #ddd; padding-bottom: 4px; margin-top: 28px; }
        table { border-collapse: collapse; margin: 8px 0; }
        th, td { border: 1px solid #ddd; padding: 4px 10px; text-align: left; font-size: 13px; }
        th { background: #f5f5f5; }
        .charts { display: flex; flex-wrap: wrap; gap: 12px; }
        figure { margin: 0; border: 1px solid #eee; padding: 4px; }
        p { font-size: 14px; line-height: 1.4; }
        </style>
        </head>
        <body>
        <h1>\(escapeXML(title))</h1>
        <table class="summary">\(figures)</table>
        \(sections.joined(separator: "\n"))
        </body>
        </html>
        """
    }
}
