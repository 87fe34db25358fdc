import Testing
import Backprop
@testable import BackpropModelFiles

@Suite("ScatterChart")
struct ScatterChartTests {
    @Test("One dot per usable point, the highlight on top; log axes drop non-positive values")
    func dots() {
        var chart = ScatterChart(title: "cost vs lr", xLabel: "lr", yLabel: "cost", xLogarithmic: true)
        chart.points = [(0.001, 0.5), (0.1, 0.3), (-1, 0.2), (1, .nan)]
        chart.highlighted = (0.1, 0.3)
        chart.marker = (0.1, "threshold")
        chart.reference = (0.6, "start")
        let svg = chart.svg()
        #expect(svg.components(separatedBy: "<circle").count - 1 == 3, "two usable points and the highlight")
        #expect(svg.contains(">threshold<") && svg.contains(">start<"))
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>"))
    }

    @Test("Categories label the x axis")
    func categories() {
        var chart = ScatterChart(title: "acc vs activation", xLabel: "activation", yLabel: "accuracy")
        chart.categories = ["relu", "tanh"]
        chart.points = [(0, 0.9), (1, 0.8)]
        let svg = chart.svg()
        #expect(svg.contains(">relu<") && svg.contains(">tanh<"))
        #expect(svg.components(separatedBy: "<circle").count - 1 == 2)
    }
}
