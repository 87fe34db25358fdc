/// A histogram of values as an SVG bar chart, e.g. the activations of one layer.
public struct HistogramChart: Sendable {
    /// The heading.
    public var title: String
    /// The x-axis title (what was counted, with its unit).
    public var xLabel: String
    /// Bin boundaries, `counts.count + 1` of them, increasing.
    public var edges: [Double]
    /// Values per bin.
    public var counts: [Int]
    /// Drawing size in pixels.
    public var width = 320.0, height = 220.0

    /// A histogram of `values` with `binCount` equal bins over their range (non-finite
    /// values are skipped).
    public init(title: String, xLabel: String, values: [Double], binCount: Int = 30, range: ClosedRange<Double>? = nil) {
        let finite = values.filter(\.isFinite)
        var lower = range?.lowerBound ?? finite.min() ?? 0
        var upper = range?.upperBound ?? finite.max() ?? 1
        if lower == upper { lower -= 0.5; upper += 0.5 }
        let bins = max(binCount, 1)
        let width = (upper - lower) / Double(bins)
        var counts = [Int](repeating: 0, count: bins)
        for value in finite where value >= lower && value <= upper {
            counts[min(Int((value - lower) / width), bins - 1)] += 1
        }
        self.title = title
        self.xLabel = xLabel
        self.edges = (0...bins).map { lower + Double($0) * width }
        self.counts = counts
    }

    /// A histogram of counts already binned: `edges` (increasing, `counts.count + 1` of them).
    public init(title: String, xLabel: String, edges: [Double], counts: [Int]) {
        precondition(edges.count == counts.count + 1, "A histogram needs one more edge than bins, got \(edges.count) edges for \(counts.count) bins")
        self.title = title
        self.xLabel = xLabel
        self.edges = edges
        self.counts = counts
    }

    /// The chart as an `<svg>` element.
    public func svg() -> String {
        let margin = (left: 48.0, right: 10.0, top: 32.0, bottom: 40.0)
        let xScale = AxisScale(covering: [edges.first ?? 0, edges.last ?? 1], logarithmic: false, pixels: (margin.left, width - margin.right))
        let yScale = AxisScale(covering: counts.map(Double.init), logarithmic: false, pixels: (height - margin.bottom, margin.top), includeZero: true)
        var body = SVGWriter(width: width, height: height, title: title)
        body.frame(x: margin.left, y: margin.top, width: width - margin.left - margin.right, height: height - margin.top - margin.bottom)
        body.axes(x: xScale, y: yScale, xLabel: xLabel, yLabel: "count")
        for (index, count) in counts.enumerated() where count > 0 {
            let left = xScale.pixel(edges[index]), right = xScale.pixel(edges[index + 1])
            let top = yScale.pixel(Double(count)), bottom = yScale.pixel(0)
            body.rectangle(x: left, y: top, width: max(right - left - 0.5, 0.5), height: bottom - top, fill: LineChart.palette[0], opacity: 0.8)
        }
        return body.finished()
    }
}
