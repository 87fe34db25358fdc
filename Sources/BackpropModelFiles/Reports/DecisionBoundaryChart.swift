/// The decision regions of a classifier over a 2-D input plane, with the data points on
/// top (see the Monitoring article). Rendered as SVG: one tinted cell per grid square, coloured by the
/// predicted class, and one dot per example coloured by its true class.
public struct DecisionBoundaryChart: Sendable {
    /// The heading.
    public var title: String
    /// Axis titles (feature names).
    public var xLabel: String, yLabel: String
    /// The plane covered: `x` in `xRange`, `y` in `yRange`.
    public var xRange: ClosedRange<Double>, yRange: ClosedRange<Double>
    /// Predicted classes on a `resolution × resolution` grid, row 0 at the bottom (lowest y).
    public var grid: [[Int]]
    /// The examples: position and true class.
    public var points: [(x: Double, y: Double, label: Int)]
    /// Class names for the legend.
    public var classNames: [String]
    /// Drawing size in pixels.
    public var size = 420.0

    public init(title: String, xLabel: String = "x₁", yLabel: String = "x₂",
                xRange: ClosedRange<Double>, yRange: ClosedRange<Double>,
                grid: [[Int]], points: [(x: Double, y: Double, label: Int)], classNames: [String]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xRange = xRange
        self.yRange = yRange
        self.grid = grid
        self.points = points
        self.classNames = classNames
    }

    /// The grid cell centres for a `resolution × resolution` grid over the ranges, row by row
    /// from the bottom: evaluate the classifier on these and pass the classes as ``grid``.
    public static func gridCentres(xRange: ClosedRange<Double>, yRange: ClosedRange<Double>, resolution: Int) -> [(x: Double, y: Double)] {
        let dx = (xRange.upperBound - xRange.lowerBound) / Double(resolution)
        let dy = (yRange.upperBound - yRange.lowerBound) / Double(resolution)
        var centres: [(x: Double, y: Double)] = []
        centres.reserveCapacity(resolution * resolution)
        for row in 0..<resolution {
            let y = yRange.lowerBound + (Double(row) + 0.5) * dy
            for column in 0..<resolution {
                centres.append((x: xRange.lowerBound + (Double(column) + 0.5) * dx, y: y))
            }
        }
        return centres
    }

    /// The chart as an `<svg>` element.
    public func svg() -> String {
        let margin = (left: 56.0, right: 16.0, top: 36.0, bottom: 44.0)
        let width = size + margin.left + margin.right, height = size + margin.top + margin.bottom
        let xScale = AxisScale(exactly: xRange, pixels: (margin.left, margin.left + size))
        let yScale = AxisScale(exactly: yRange, pixels: (margin.top + size, margin.top))
        var body = SVGWriter(width: width, height: height, title: title)
        body.frame(x: margin.left, y: margin.top, width: size, height: size)
        let rows = grid.count
        for (row, classes) in grid.enumerated() {
            let cellHeight = size / Double(rows), cellWidth = size / Double(max(classes.count, 1))
            for (column, label) in classes.enumerated() {
                body.rectangle(x: margin.left + Double(column) * cellWidth, y: margin.top + size - Double(row + 1) * cellHeight,
                               width: cellWidth + 0.3, height: cellHeight + 0.3, fill: Self.tint(color(label), strength: 0.3))
            }
        }
        body.axes(x: xScale, y: yScale, xLabel: xLabel, yLabel: yLabel)
        for point in points {
            body.dot(x: xScale.pixel(point.x), y: yScale.pixel(point.y), radius: 2.6, fill: color(point.label))
        }
        body.legend(classNames.enumerated().map { ("class \($0.element)", color($0.offset), false) },
                    right: margin.left + size - 6, top: margin.top + 6)
        return body.finished()
    }

    /// `hex` (`#rrggbb`) mixed with white: `strength` of the colour, the rest white. Opaque
    /// cells avoid the seams that overlapping translucent cells leave.
    static func tint(_ hex: String, strength: Double) -> String {
        guard hex.count == 7, let value = Int(hex.dropFirst(), radix: 16) else { return hex }
        let channels = [(value >> 16) & 255, (value >> 8) & 255, value & 255].map { channel in
            Int((Double(channel) * strength + 255 * (1 - strength)).rounded())
        }
        return "rgb(\(channels[0]),\(channels[1]),\(channels[2]))"
    }

    private func color(_ label: Int) -> String {
        LineChart.palette[((label % LineChart.palette.count) + LineChart.palette.count) % LineChart.palette.count]
    }
}

extension AxisScale {
    /// A linear scale over exactly `range` (no padding), for planes whose extent is chosen.
    init(exactly range: ClosedRange<Double>, pixels: (start: Double, end: Double)) {
        self.init(lower: range.lowerBound, upper: range.upperBound, isLogarithmic: false, pixelStart: pixels.start, pixelEnd: pixels.end)
    }
}
