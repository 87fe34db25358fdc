import Foundation
import Testing
import Backprop
@testable import BackpropCore
@testable import BackpropData
@testable import BackpropRecipes
@testable import BackpropRuns
@testable import BackpropSelection

@Suite("CrossValidation")
struct CrossValidationTests {
    private func recipe(epochs: Int = 5) -> TrainingRecipe {
        var recipe = TrainingRecipe()
        recipe.data = "moons:n=200"
        recipe.layers = [2, 8, 2]
        recipe.epochs = epochs
        return recipe
    }

    @Test("The validation folds partition the development data; each fold trains on the rest")
    func foldsPartition() throws {
        let recipe = recipe()
        let examples = CrossValidation.developmentData(try TrainingRun.loadData(for: recipe))
        #expect(examples.count == 160, "train 120 + dev 40 of 200; the test part stays out")
        for stratified in [false, true] {
            let folds = try DataSplitter.kFold(count: examples.count, folds: 5, stratifiedBy: stratified ? examples.labels : nil,
                                               seed: CrossValidation.foldSeed(recipeSeed: recipe.seed))
            let held = folds.flatMap(\.validation)
            #expect(held.sorted() == Array(0..<examples.count), "every example is held out exactly once")
            for fold in folds {
                #expect(Set(fold.train).isDisjoint(with: fold.validation))
                #expect(fold.train.count + fold.validation.count == examples.count)
            }
        }
        let summary = try CrossValidation.run(recipe: recipe, folds: 5, stratified: true)
        #expect(summary.folds.map(\.validationCount).reduce(0, +) == 160)
        #expect(summary.folds.allSatisfy { $0.trainCount + $0.validationCount == 160 && $0.epochs == 5 })
    }

    @Test("Means and sample standard deviations aggregate the folds")
    func aggregation() {
        func fold(_ index: Int, train: Double, validation: Double, trainAccuracy: Double, validationAccuracy: Double) -> CrossValidation.FoldResult {
            .init(fold: index, trainCount: 8, validationCount: 2, train: Evaluation(cost: train, accuracy: trainAccuracy),
                  validation: Evaluation(cost: validation, accuracy: validationAccuracy), epochs: 3)
        }
        let summary = CrossValidation.Summary(folds: [
            fold(1, train: 0.1, validation: 0.4, trainAccuracy: 0.9, validationAccuracy: 0.7),
            fold(2, train: 0.2, validation: 0.6, trainAccuracy: 0.8, validationAccuracy: 0.5),
            fold(3, train: 0.3, validation: 0.8, trainAccuracy: 1.0, validationAccuracy: 0.6),
        ])
        // Means 0.2, 0.6, 0.9, 0.6; sample std √(Σd²/2): √(0.02/2) = 0.1, √(0.08/2) = 0.2, 0.1, 0.1.
        #expect(isClose(summary.trainCost.mean, 0.2) && isClose(summary.trainCost.standardDeviation, 0.1))
        #expect(isClose(summary.validationCost.mean, 0.6) && isClose(summary.validationCost.standardDeviation, 0.2))
        #expect(isClose(summary.trainAccuracy!.mean, 0.9) && isClose(summary.trainAccuracy!.standardDeviation, 0.1))
        #expect(isClose(summary.validationAccuracy!.mean, 0.6) && isClose(summary.validationAccuracy!.standardDeviation, 0.1))
        #expect(MeanAndSpread([4]).standardDeviation == 0)
    }

    @Test("A fold's run equals the fold's own training, and preprocessing is fitted on the fold's training part")
    func perFoldPreprocessing() throws {
        var recipe = recipe(epochs: 3)
        recipe.preprocessing = [.standardize]
        let examples = CrossValidation.developmentData(try TrainingRun.loadData(for: recipe))
        let fold = try DataSplitter.kFold(count: examples.count, folds: 4, seed: CrossValidation.foldSeed(recipeSeed: recipe.seed))[1]
        let run = try TrainingRun(recipe: recipe, data: DatasetSplits(train: examples.subset(fold.train), dev: examples.subset(fold.validation)))
        let standardized = run.splits.train.features
        for column in 0..<2 {
            let values = (0..<standardized.rows).map { Double(standardized[$0, column]) }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            #expect(abs(mean) < 1e-5 && abs(variance - 1) < 1e-3, "fitted on the fold's 120 training rows only")
        }
        let held = run.splits.dev!.features
        let heldMean = (0..<held.rows).map { Double(held[$0, 0]) }.reduce(0, +) / Double(held.rows)
        #expect(abs(heldMean) > 1e-4, "the held-out fold is transformed with the training statistics, not its own")
        let summary = try CrossValidation.run(recipe: recipe, folds: 4)
        try run.fit()
        let measured = try run.evaluate()
        #expect(summary.folds[1].validation == measured.dev && summary.folds[1].train == measured.train)
    }

    @Test("A run on preloaded data is the run on the recipe")
    func preloadedDataRun() throws {
        let recipe = recipe(epochs: 4)
        let direct = try TrainingRun(recipe: recipe)
        let preloaded = try TrainingRun(recipe: recipe, data: try TrainingRun.loadData(for: recipe))
        try direct.fit()
        try preloaded.fit()
        #expect(direct.network.parameters.map(\.value.elements) == preloaded.network.parameters.map(\.value.elements))
        #expect(try direct.evaluate().dev == preloaded.evaluate().dev)
    }

    @Test("Bad fold counts are refused")
    func badFolds() {
        #expect(throws: NetworkError.self) { try CrossValidation.run(recipe: recipe(), folds: 1) }
        #expect(throws: NetworkError.self) { try CrossValidation.run(recipe: recipe(), folds: 161) }
    }
}
