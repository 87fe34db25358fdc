import Foundation
import Testing
import Backprop
@testable import BackpropCore

@Suite("Classification and regression metrics")
struct ClassificationMetricsTests {
    /// Six examples, three classes, worked by hand:
    /// true 0 0 1 1 2 2, predicted 0 1 1 1 2 0 →
    /// confusion [[1,1,0],[0,2,0],[1,0,1]]; accuracy 4/6;
    /// precision 1/2, 2/3, 1; recall 1/2, 1, 1/2; F1 1/2, 4/5, 2/3.
    @Test func handComputedThreeClassExample() throws {
        let probabilities: [[Double]] = [
            [0.7, 0.2, 0.1], [0.3, 0.5, 0.2], [0.1, 0.8, 0.1],
            [0.25, 0.5, 0.25], [0.2, 0.2, 0.6], [0.5, 0.1, 0.4],
        ]
        let metrics = try ClassificationMetrics(labels: [0, 0, 1, 1, 2, 2], probabilities: probabilities, classNames: ["a", "b", "c"])
        #expect(metrics.confusion == [[1, 1, 0], [0, 2, 0], [1, 0, 1]])
        #expect(isClose(metrics.accuracy, 4.0 / 6))
        #expect(allClose(metrics.precision, [0.5, 2.0 / 3, 1]))
        #expect(allClose(metrics.recall, [0.5, 1, 0.5]))
        #expect(allClose(metrics.f1, [0.5, 0.8, 2.0 / 3]))
        #expect(metrics.support == [2, 2, 2])
        #expect(isClose(metrics.macroF1, (0.5 + 0.8 + 2.0 / 3) / 3))
        // −(ln .7 + ln .3 + ln .8 + ln .5 + ln .6 + ln .4)/6
        let expected = -(log(0.7) + log(0.3) + log(0.8) + log(0.5) + log(0.6) + log(0.4)) / 6
        #expect(isClose(metrics.logLoss, expected))
    }

    @Test func aClassNeverPredictedHasZeroPrecisionAndAZeroProbabilityIsClipped() throws {
        let metrics = try ClassificationMetrics(labels: [0, 1], probabilities: [[1, 0], [1, 0]], classNames: ["0", "1"])
        #expect(metrics.precision == [0.5, 0] && metrics.recall == [1, 0] && metrics.f1[1] == 0)
        #expect(isClose(metrics.logLoss, -log(1e-15) / 2))
    }

    @Test func badShapesAndLabelsAreNamed() {
        #expect(throws: NetworkError.self) { try ClassificationMetrics(labels: [0], probabilities: [[1, 0], [0, 1]], classNames: ["0", "1"]) }
        #expect(throws: NetworkError.self) { try ClassificationMetrics(labels: [0], probabilities: [[1, 0, 0]], classNames: ["0", "1"]) }
        #expect(throws: NetworkError.labelOutOfRange(label: 2, row: 0, classCount: 2)) {
            try ClassificationMetrics(labels: [2], probabilities: [[1, 0]], classNames: ["0", "1"])
        }
    }

    /// y = 1, 2, 3, 4 and ŷ = 1, 2, 4, 2: errors 0, 0, −1, 2 → MSE 5/4, MAE 3/4;
    /// ȳ = 2.5, Σ(y − ȳ)² = 5 → R² = 1 − 5/5 = 0.
    @Test func handComputedRegression() throws {
        let metrics = try RegressionMetrics(targets: [[1], [2], [3], [4]], predictions: [[1], [2], [4], [2]])
        #expect(isClose(metrics.mse, 1.25) && isClose(metrics.mae, 0.75) && isClose(metrics.r2, 0))
        let perfect = try RegressionMetrics(targets: [[1, 5], [2, 7]], predictions: [[1, 5], [2, 7]])
        #expect(perfect.mse == 0 && perfect.r2 == 1)
        #expect(throws: NetworkError.self) { try RegressionMetrics(targets: [[1]], predictions: [[1, 2]]) }
    }
}
