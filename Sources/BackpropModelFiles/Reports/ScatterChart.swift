import Foundation

/// Points `(x, y)` as an SVG scatter plot, optionally joined in x order and with one point
/// highlighted: an objective against a hyper-parameter, a cost against the learning rate.
///
/// Either axis may be logarithmic (non-positive values are then left out). For a
/// categorical x (choices such as activation names) pass the category labels; x is the
/// category index and the ticks show the labels.
///
/// ```swift
/// var chart = ScatterChart(title: "dev accuracy vs lr", xLabel: "lr", yLabel: "dev accuracy", xLogarithmic: true)
/// chart.points = [(0.001, 0.81), (0.1, 0.93)]
/// let svg = chart.svg()
/// ```
public struct ScatterChart: Sendable {
    /// The heading.
    public var title: String
    /// Axis titles, with units.
    public var xLabel: String, yLabel: String
    /// Log₁₀ axes.
    public var xLogarithmic: Bool, yLogarithmic: Bool
    /// The points.
    public var points: [(x: Double, y: Double)] = []
    /// Labels of a categorical x axis (x = index), or `nil`.
    public var categories: [String]?
    /// Join the points with a line in increasing x.
    public var connectsPoints = false
    /// The point to mark in another colour (e.g. the best trial), matched by position.
    public var highlighted: (x: Double, y: Double)?
    /// A vertical marker line at this x with its label (e.g. a recommended learning rate).
    public var marker: (x: Double, label: String)?
    /// A horizontal dashed reference line at this y with its label (e.g. the cost before training).
    public var reference: (y: Double, label: String)?
    /// Drawing size in pixels.
    public var width = 400.0, height = 280.0

    /// An empty chart.
    public init(title: String, xLabel: String, yLabel: String, xLogarithmic: Bool = false, yLogarithmic: Bool = false) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xLogarithmic = xLogarithmic
        self.yLogarithmic = yLogarithmic
    }

    /// The chart as an `<svg>` element.
    public func svg() -> String {
        let margin = (left: 60.0, right: 16.0, top: 36.0, bottom: 46.0)
        let usable = points.filter { $0.x.isFinite && $0.y.isFinite && (!xLogarithmic || $0.x > 0) && (!yLogarithmic || $0.y > 0) }
        var xValues = usable.map(\.x)
        if let categories { xValues += [-0.5, Double(categories.count) - 0.5] }
        if let marker { xValues.append(marker.x) }
        let xScale: AxisScale
        if let categories {
            xScale = AxisScale(exactly: -0.5...(Double(max(categories.count, 1)) - 0.5), pixels: (margin.left, width - margin.right))
        } else {
            xScale = AxisScale(covering: xValues, logarithmic: xLogarithmic, pixels: (margin.left, width - margin.right))
        }
        let yScale = AxisScale(covering: usable.map(\.y) + (reference.map { [$0.y] } ?? []), logarithmic: yLogarithmic, pixels: (height - margin.bottom, margin.top))
        var body = SVGWriter(width: width, height: height, title: title)
        body.frame(x: margin.left, y: margin.top, width: width - margin.left - margin.right, height: height - margin.top - margin.bottom)
        if let categories {
            body.axes(x: xScale.withoutTicks, y: yScale, xLabel: xLabel, yLabel: yLabel)
            for (index, name) in categories.enumerated() {
                body.note(name, x: xScale.pixel(Double(index)), y: height - margin.bottom + 16)
            }
        } else {
            body.axes(x: xScale, y: yScale, xLabel: xLabel, yLabel: yLabel)
        }
        if let marker {
            let px = xScale.pixel(marker.x)
            body.polyline([(marker.x, yScale.lower), (marker.x, yScale.upper)], x: xScale, y: yScale, color: LineChart.palette[2], dashed: true)
            body.note(marker.label, x: px, y: margin.top + 12)
        }
        if let reference, reference.y.isFinite {
            body.polyline([(xScale.lower, reference.y), (xScale.upper, reference.y)], x: xScale, y: yScale, color: LineChart.palette[3], dashed: true)
            body.note(reference.label, x: margin.left + 60, y: yScale.pixel(reference.y) - 4)
        }
        if connectsPoints {
            body.polyline(usable.sorted { $0.x < $1.x }.map { ($0.x, $0.y) }, x: xScale, y: yScale, color: LineChart.palette[0], dashed: false)
        }
        for point in usable {
            body.dot(x: xScale.pixel(point.x), y: yScale.pixel(point.y), radius: 3.2, fill: LineChart.palette[0])
        }
        if let highlighted, highlighted.x.isFinite, highlighted.y.isFinite {
            body.dot(x: xScale.pixel(highlighted.x), y: yScale.pixel(highlighted.y), radius: 5, fill: LineChart.palette[1])
        }
        if usable.isEmpty { body.note("no data", x: width / 2, y: height / 2) }
        return body.finished()
    }
}

// MARK: - Drawing helpers

extension AxisScale {
    /// The same scale with no tick marks (for category axes labelled separately).
    var withoutTicks: AxisScale {
        AxisScale(lower: .nan, upper: .nan, isLogarithmic: false, pixelStart: pixelStart, pixelEnd: pixelEnd)
    }
}
