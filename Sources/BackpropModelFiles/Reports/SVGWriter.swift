import Foundation

/// Builds SVG markup piece by piece: frames, axes, polylines, legends, rectangles, dots.
struct SVGWriter {
    private var parts: [String] = []
    let width: Double
    let height: Double

    init(width: Double, height: Double, title: String) {
        self.width = width
        self.height = height
        parts.append(#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(format(width)) \#(format(height))" width="\#(format(width))" height="\#(format(height))" font-family="sans-serif" font-size="11" role="img" aria-label="\#(escapeXML(title))">"#)
        parts.append(#"<title>\#(escapeXML(title))</title>"#)
        parts.append(#"<text x="\#(format(width / 2))" y="20" text-anchor="middle" font-size="14" font-weight="bold">\#(escapeXML(title))</text>"#)
    }

    mutating func frame(x: Double, y: Double, width: Double, height: Double) {
        parts.append(#"<rect x="\#(format(x))" y="\#(format(y))" width="\#(format(width))" height="\#(format(height))" fill="white" stroke="rgb(153,153,153)"/>"#)
    }

    mutating func axes(x: AxisScale, y: AxisScale, xLabel: String, yLabel: String) {
        let bottom = y.pixelStart, left = x.pixelStart
        for tick in x.ticks {
            let px = x.pixel(tick)
            parts.append(#"<line x1="\#(format(px))" y1="\#(format(y.pixelEnd))" x2="\#(format(px))" y2="\#(format(bottom))" stroke="rgb(235,235,235)"/>"#)
            parts.append(#"<text x="\#(format(px))" y="\#(format(bottom + 16))" text-anchor="middle">\#(AxisScale.label(tick))</text>"#)
        }
        for tick in y.ticks {
            let py = y.pixel(tick)
            parts.append(#"<line x1="\#(format(left))" y1="\#(format(py))" x2="\#(format(x.pixelEnd))" y2="\#(format(py))" stroke="rgb(235,235,235)"/>"#)
            parts.append(#"<text x="\#(format(left - 6))" y="\#(format(py + 4))" text-anchor="end">\#(AxisScale.label(tick))</text>"#)
        }
        parts.append(#"<line class="axis" x1="\#(format(left))" y1="\#(format(bottom))" x2="\#(format(x.pixelEnd))" y2="\#(format(bottom))" stroke="rgb(51,51,51)"/>"#)
        parts.append(#"<line class="axis" x1="\#(format(left))" y1="\#(format(bottom))" x2="\#(format(left))" y2="\#(format(y.pixelEnd))" stroke="rgb(51,51,51)"/>"#)
        parts.append(#"<text x="\#(format((left + x.pixelEnd) / 2))" y="\#(format(height - 8))" text-anchor="middle">\#(escapeXML(xLabel))</text>"#)
        let middle = (bottom + y.pixelEnd) / 2
        parts.append(#"<text x="14" y="\#(format(middle))" text-anchor="middle" transform="rotate(-90 14 \#(format(middle)))">\#(escapeXML(yLabel))</text>"#)
    }

    mutating func polyline(_ points: [(Double, Double)], x: AxisScale, y: AxisScale, color: String, dashed: Bool) {
        var segment: [String] = []
        func flush() {
            if segment.count > 1 {
                parts.append(#"<polyline fill="none" stroke="\#(color)" stroke-width="1.6"\#(dashed ? #" stroke-dasharray="5 3""# : "") points="\#(segment.joined(separator: " "))"/>"#)
            } else if segment.count == 1 {
                let xy = segment[0].split(separator: ",")
                parts.append(#"<circle cx="\#(xy[0])" cy="\#(xy[1])" r="2" fill="\#(color)"/>"#)
            }
            segment.removeAll()
        }
        for (px, py) in points {
            guard px.isFinite, py.isFinite, !(y.isLogarithmic && py <= 0) else { flush(); continue }
            segment.append("\(format(x.pixel(px))),\(format(y.pixel(py)))")
        }
        flush()
    }

    mutating func legend(_ entries: [(name: String, color: String, dashed: Bool)], right: Double, top: Double) {
        guard !entries.isEmpty else { return }
        let (boxWidth, boxHeight) = Self.legendSize(entries.map(\.name))
        let left = right - boxWidth
        parts.append(#"<g class="legend"><rect x="\#(format(left))" y="\#(format(top))" width="\#(format(boxWidth))" height="\#(format(boxHeight))" fill="white" fill-opacity="0.85" stroke="rgb(204,204,204)"/>"#)
        for (index, entry) in entries.enumerated() {
            let y = top + 14 + Double(index) * 16
            parts.append(#"<line x1="\#(format(left + 6))" y1="\#(format(y - 4))" x2="\#(format(left + 24))" y2="\#(format(y - 4))" stroke="\#(entry.color)" stroke-width="2"\#(entry.dashed ? #" stroke-dasharray="5 3""# : "")/>"#)
            parts.append(#"<text x="\#(format(left + 28))" y="\#(format(y))">\#(escapeXML(entry.name))</text>"#)
        }
        parts.append("</g>")
    }

    /// The legend box's size for these entry names.
    static func legendSize(_ names: [String]) -> (width: Double, height: Double) {
        let longest = names.map(\.count).max() ?? 0
        return (Double(longest) * 6.5 + 34, Double(names.count) * 16 + 6)
    }

    mutating func rectangle(x: Double, y: Double, width: Double, height: Double, fill: String, opacity: Double = 1) {
        parts.append(#"<rect x="\#(format(x))" y="\#(format(y))" width="\#(format(width))" height="\#(format(height))" fill="\#(fill)"\#(opacity < 1 ? #" fill-opacity="\#(format(opacity))""# : "")/>"#)
    }

    mutating func dot(x: Double, y: Double, radius: Double, fill: String) {
        parts.append(#"<circle cx="\#(format(x))" cy="\#(format(y))" r="\#(format(radius))" fill="\#(fill)" stroke="rgb(34,34,34)" stroke-width="0.5"/>"#)
    }

    mutating func note(_ text: String, x: Double, y: Double) {
        parts.append(#"<text x="\#(format(x))" y="\#(format(y))" text-anchor="middle" fill="rgb(136,136,136)">\#(escapeXML(text))</text>"#)
    }

    func finished() -> String {
        (parts + ["</svg>"]).joined(separator: "\n")
    }
}

/// A coordinate with at most two decimals.
func format(_ value: Double) -> String {
    let rounded = (value * 100).rounded() / 100
    return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
}

/// `text` with the five XML special characters escaped.
func escapeXML(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        .replacingOccurrences(of: "'", with: "&apos;")
}
