import Foundation

/// A line chart rendered as a self-contained SVG element: axes with ticks and labels,
/// a title, axis titles with units, and a legend. Used by the HTML report.
///
/// ```swift
/// var chart = LineChart(title: "Cost per epoch", xLabel: "epoch", yLabel: "cost")
/// chart.add(Series(name: "train", points: [(1, 0.9), (2, 0.5)]))
/// let svg = chart.svg()
/// ```
public struct LineChart: Sendable {
    /// One named line.
    public struct Series: Sendable {
        /// The legend label.
        public var name: String
        /// `(x, y)` pairs in drawing order; non-finite values break the line.
        public var points: [(x: Double, y: Double)]
        /// A CSS colour; picked from the palette when `nil`.
        public var color: String?
        /// Draw dashed (for example dev curves next to train curves).
        public var isDashed: Bool

        public init(name: String, points: [(x: Double, y: Double)], color: String? = nil, isDashed: Bool = false) {
            self.name = name
            self.points = points
            self.color = color
            self.isDashed = isDashed
        }
    }

    /// The chart's heading.
    public var title: String
    /// The x-axis title, with its unit.
    public var xLabel: String
    /// The y-axis title, with its unit.
    public var yLabel: String
    /// Plot y on a log₁₀ scale (costs spanning decades, learning rates).
    public var isLogarithmic: Bool
    /// Extend a linear y axis down (or up) to 0, e.g. for rates and fractions.
    public var includesZero = false
    /// The lines drawn.
    public var series: [Series] = []
    /// The drawing size in pixels.
    public var width = 560.0, height = 320.0

    public init(title: String, xLabel: String, yLabel: String, logarithmic: Bool = false) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.isLogarithmic = logarithmic
    }

    /// Appends a line.
    public mutating func add(_ line: Series) {
        series.append(line)
    }

    /// The legend's top-right position: the corner of the plot whose legend box covers the
    /// fewest data points (top right on ties).
    private func legendCorner(entries: [String], x: AxisScale, y: AxisScale,
                              margin: (left: Double, right: Double, top: Double, bottom: Double)) -> (right: Double, top: Double) {
        let size = SVGWriter.legendSize(entries)
        let rights = [width - margin.right - 8, margin.left + 8 + size.width]
        let tops = [margin.top + 8, height - margin.bottom - 8 - size.height]
        let candidates = [(rights[0], tops[0]), (rights[1], tops[0]), (rights[0], tops[1]), (rights[1], tops[1])]
        let pixels = series.flatMap(\.points).compactMap { point -> (Double, Double)? in
            guard point.x.isFinite, point.y.isFinite, !(isLogarithmic && point.y <= 0) else { return nil }
            return (x.pixel(point.x), y.pixel(point.y))
        }
        func covered(_ corner: (Double, Double)) -> Int {
            pixels.count { $0.0 >= corner.0 - size.width - 4 && $0.0 <= corner.0 + 4 && $0.1 >= corner.1 - 4 && $0.1 <= corner.1 + size.height + 4 }
        }
        let best = candidates.min { covered($0) < covered($1) } ?? candidates[0]
        return (best.0, best.1)
    }

    /// The colours given to series in order.
    public static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    /// The chart as an `<svg>` element.
    public func svg() -> String {
        let margin = (left: 64.0, right: 16.0, top: 36.0, bottom: 48.0)
        let allPoints = series.flatMap(\.points)
        let xScale = AxisScale(covering: allPoints.map(\.x), logarithmic: false, pixels: (margin.left, width - margin.right))
        let yScale = AxisScale(covering: allPoints.map(\.y), logarithmic: isLogarithmic, pixels: (height - margin.bottom, margin.top), includeZero: includesZero)
        var body = SVGWriter(width: width, height: height, title: title)
        body.frame(x: margin.left, y: margin.top, width: width - margin.left - margin.right, height: height - margin.top - margin.bottom)
        body.axes(x: xScale, y: yScale, xLabel: xLabel, yLabel: yLabel)
        for (index, line) in series.enumerated() {
            let color = line.color ?? LineChart.palette[index % LineChart.palette.count]
            body.polyline(line.points.map { ($0.x, $0.y) }, x: xScale, y: yScale, color: color, dashed: line.isDashed)
        }
        let entries = series.enumerated().map { index, line in
            (name: line.name, color: line.color ?? LineChart.palette[index % LineChart.palette.count], dashed: line.isDashed)
        }
        let corner = legendCorner(entries: entries.map(\.name), x: xScale, y: yScale, margin: (margin.left, margin.right, margin.top, margin.bottom))
        body.legend(entries, right: corner.right, top: corner.top)
        if allPoints.isEmpty { body.note("no data", x: width / 2, y: height / 2) }
        return body.finished()
    }
}
