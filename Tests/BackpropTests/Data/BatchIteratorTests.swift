import Backprop
import Testing
@testable import BackpropCore
@testable import BackpropData

@Suite("Dataset statistics")
struct DatasetStatisticsTests {
    @Test func histogramAndFeatureStatistics() throws {
        let set = try Dataset<Double>(features: Matrix([[1, 5], [3, 5], [5, 5], [7, 5]]), labels: [0, 2, 2, 1], classCount: 4)
        #expect(set.classHistogram() == [1, 1, 2, 0])
        let statistics = set.featureStatistics()
        #expect(statistics[0].mean == 4 && statistics[0].minimum == 1 && statistics[0].maximum == 7)
        #expect(isClose(statistics[0].standardDeviation, 5.0.squareRoot()))  // population: (9+1+1+9)/4
        #expect(statistics[1].isConstant && statistics[1].standardDeviation == 0)
        let summary = DatasetSummary(set)
        #expect(summary.count == 4 && summary.constantFeatureCount == 1 && summary.classHistogram == [1, 1, 2, 0])
    }
}
