import Testing
import Backprop
@testable import BackpropCore

@Suite("ActivationHistograms")
struct ActivationHistogramTests {
    @Test("The histogram run repeats the experiment's statistics and bins every activation")
    func consistentWithMeasure() throws {
        let plain = try ActivationStatistics.measure(activation: .tanh, initializer: .lecunNormal, depth: 4, width: 50,
                                                     inputWidth: 30, exampleCount: 40, seed: 7, scalar: Float.self)
        let reports = try ActivationStatistics.measureWithHistograms(activation: .tanh, initializer: .lecunNormal, depth: 4, width: 50,
                                                                      inputWidth: 30, exampleCount: 40, seed: 7, binCount: 8, scalar: Float.self)
        #expect(reports.map(\.statistics) == plain)
        for report in reports {
            #expect(report.counts.reduce(0, +) == 40 * 50)
            #expect(report.edges.count == 9 && report.edges.first == -1 && report.edges.last == 1)
        }
    }

    @Test("Bins count values by hand")
    func binning() {
        let matrix = Matrix<Float>(rows: 2, columns: 3, elements: [-1, -0.4, 0, 0.1, 0.6, 5])
        #expect(ActivationStatistics.histogram(matrix, range: -1...1, binCount: 4) == [1, 1, 2, 2])
        #expect(ActivationStatistics.extent(of: matrix) == -1...5)
    }
}
