import Foundation
import Testing
import Backprop
@testable import BackpropCore
@testable import BackpropData
@testable import BackpropRecipes
@testable import BackpropRuns

@Suite("LearningRateFinder")
struct LearningRateFinderTests {
    @Test("Rates are spaced evenly on a log scale")
    func rateGrid() {
        let rates = LearningRateFinder.rates(from: 1e-5, to: 10, perDecade: 3)
        #expect(rates.count == 19 && isClose(rates[0], 1e-5) && isClose(rates[18], 10, relative: 1e-12))
        for (a, b) in zip(rates, rates.dropFirst()) { #expect(isClose(b / a, pow(10, 1.0 / 3), relative: 1e-12)) }
    }

    /// Linear regression `y = 3x + 1` with `x = ±2`: the cost `(1/2m)Σ(wx + b − y)²` has Hessian
    /// diag(mean x², 1) = diag(4, 1), so full-batch gradient descent diverges for α > 2/4 = 0.5.
    @Test("On linear regression the threshold is the first scanned rate above 2/L")
    func linearRegressionThreshold() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lr-find-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var lines = ["x,y"]
        var random = RandomGenerator(seed: 4)
        for index in 0..<40 {
            let x = index.isMultiple(of: 2) ? 2.0 : -2.0
            lines.append("\(x),\(3 * x + 1 + 0.1 * random.normal())")
        }
        let file = folder.appendingPathComponent("line.csv")
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        var recipe = TrainingRecipe()
        recipe.data = "csv:\(file.path)"
        recipe.regression = true
        recipe.split = try SplitFractions(train: 1, dev: 0, test: 0)
        recipe.layers = [1, 1]
        recipe.optimizer = "sgd"
        recipe.batchSize = 40
        let curvature = 4.0, threshold = 2 / curvature
        // Rates 0.65·2ᵏ: the scan straddles 0.5 with 0.325 (stable, |1 − αL| = 0.3) and 0.65 (|1 − αL| = 1.6).
        let rates = (-5...3).map { 0.65 * pow(2, Double($0)) }
        let result = try LearningRateFinder.scan(recipe: recipe, rates: rates, epochs: 20)
        let expected = try #require(rates.first { $0 > threshold })
        #expect(result.threshold == expected, "\(result.probes.map { ($0.rate, $0.finalCost) })")
        #expect(isClose(result.recommended, expected / 2))
        #expect(result.probes.filter { $0.rate < threshold }.allSatisfy { $0.falls })
        #expect(result.probes.allSatisfy { $0.initialCost == result.probes[0].initialCost }, "every rate starts from the same weights")
    }

    @Test("The threshold is the first rate that does not fall; none means above the range")
    func thresholdRule() {
        let costs: [Double: Double] = [0.01: 0.9, 0.1: 0.5, 1: 1.2, 10: .nan]
        let result = LearningRateFinder.scan(rates: [10, 0.01, 1, 0.1]) { rate in
            LearningRateFinder.Probe(rate: rate, initialCost: 1, finalCost: costs[rate]!)
        }
        #expect(result.probes.map(\.rate) == [0.01, 0.1, 1, 10])
        #expect(result.threshold == 1 && result.recommended == 0.5)
        #expect(result.probes[3].diverged && !result.probes[3].falls)
        let falling = LearningRateFinder.Result(probes: [.init(rate: 0.1, initialCost: 1, finalCost: 0.5), .init(rate: 1, initialCost: 1, finalCost: 0.4)])
        #expect(falling.threshold == nil && falling.recommended == 1)
    }
}
