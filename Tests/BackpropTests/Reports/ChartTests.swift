import Foundation
import Testing
import Backprop
@testable import BackpropModelFiles

@Suite("SVG charts and HTML report")
struct ChartTests {
    func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test func lineChartDrawsOneLinePerSeriesWithLegendAndAxes() {
        var chart = LineChart(title: "Cost per epoch", xLabel: "epoch", yLabel: "cost")
        chart.add(.init(name: "train", points: (1...10).map { (Double($0), 1 / Double($0)) }))
        chart.add(.init(name: "dev", points: (1...10).map { (Double($0), 1.2 / Double($0)) }, isDashed: true))
        let svg = chart.svg()
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.hasSuffix("</svg>"))
        #expect(count("<polyline", in: svg) == 2)
        #expect(count("class=\"axis\"", in: svg) == 2)
        #expect(svg.contains(">train</text>") && svg.contains(">dev</text>"))
        #expect(svg.contains(">epoch</text>") && svg.contains(">cost</text>"))
        #expect(count("stroke-dasharray", in: svg) == 2, "the dev line and its legend swatch are dashed")
    }

    @Test func nonFiniteValuesBreakTheLine() {
        var chart = LineChart(title: "t", xLabel: "x", yLabel: "y")
        chart.add(.init(name: "s", points: [(1, 1), (2, 2), (3, .nan), (4, 1), (5, 2)]))
        #expect(count("<polyline", in: chart.svg()) == 2)
    }

    @Test func logarithmicTicksArePowersOfTen() {
        let scale = AxisScale(covering: [0.003, 0.5, 2], logarithmic: true, pixels: (0, 100))
        #expect(scale.ticks == [0.001, 0.01, 0.1, 1, 10])
        #expect(scale.pixel(0.001) == 0)
        #expect(scale.pixel(10) == 100)
    }

    @Test func linearTicksAreNiceNumbers() {
        let scale = AxisScale(covering: [0.13, 0.87], logarithmic: false, pixels: (0, 100))
        #expect(scale.ticks.count >= 4)
        #expect(scale.ticks.allSatisfy { abs(($0 / 0.2).rounded() * 0.2 - $0) < 1e-9 }, "ticks are multiples of the 0.2 step: \(scale.ticks)")
        #expect(scale.lower <= 0.13 && scale.upper >= 0.87)
        #expect(AxisScale.niceStep(for: 0.13) == 0.2)
        #expect(AxisScale.niceStep(for: 3.2) == 5)
    }

    @Test func decisionBoundaryHasOneCellPerGridSquareAndOneDotPerPoint() {
        let centres = DecisionBoundaryChart.gridCentres(xRange: -1...1, yRange: 0...2, resolution: 4)
        #expect(centres.count == 16)
        #expect(centres[0].x == -0.75 && centres[0].y == 0.25)
        let grid = (0..<4).map { row in (0..<4).map { column in column < 2 ? 0 : 1 } }
        let chart = DecisionBoundaryChart(title: "Decision boundary", xRange: -1...1, yRange: 0...2, grid: grid,
                                          points: [(0, 1, 0), (0.5, 1.5, 1), (-0.5, 0.5, 0)], classNames: ["a", "b"])
        let svg = chart.svg()
        let tints = [0, 1].map { DecisionBoundaryChart.tint(LineChart.palette[$0], strength: 0.3) }
        #expect(count("fill=\"\(tints[0])\"", in: svg) == 8 && count("fill=\"\(tints[1])\"", in: svg) == 8, "one tinted cell per grid square")
        #expect(DecisionBoundaryChart.tint("#000000", strength: 0.3) == "rgb(179,179,179)")
        #expect(count("<circle", in: svg) == 3)
    }

    @Test func reportIsSelfContained() {
        var report = HTMLReport(title: "Run <1>")
        report.summary = [("train accuracy", "0.95")]
        report.addSection("Cost", text: "Cost per epoch.", charts: [LineChart(title: "c", xLabel: "epoch", yLabel: "cost").svg()])
        report.addTable("Layers", header: ["layer", "mean"], rows: [["0", "0.5"]])
        let html = report.html()
        #expect(html.contains("<!DOCTYPE html>"))
        #expect(html.contains("Run &lt;1&gt;"))
        #expect(html.contains("<svg"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").count - 1 == count("xmlns=\"http://www.w3.org/2000/svg\"", in: html),
                "the only URL is the SVG namespace")
    }
}

@Suite("Histogram chart")
struct HistogramChartTests {
    @Test func countsEveryFiniteValueOnce() {
        let chart = HistogramChart(title: "h", xLabel: "activation", values: [0, 0.1, 0.5, 0.9, 1, .nan, 0.55], binCount: 2)
        #expect(chart.counts == [2, 4])
        #expect(chart.edges == [0, 0.5, 1])
        #expect(chart.svg().components(separatedBy: "fill-opacity=\"0.8\"").count - 1 == 2)
    }
}
