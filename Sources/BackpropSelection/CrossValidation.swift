import Foundation
import BackpropCore
import BackpropData
import BackpropModelFiles
import BackpropRecipes
import BackpropRuns

// MARK: - Mean and spread

/// The mean and sample standard deviation of a few measurements (per-fold costs, member
/// accuracies): `mean = Σxᵢ/K`, `std = √(Σ(xᵢ − mean)²/(K − 1))` (0 for one value).
public struct MeanAndSpread: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The arithmetic mean.
    public var mean: Double
    /// The sample standard deviation (divisor `K − 1`).
    public var standardDeviation: Double

    /// The mean and spread of `values` (NaN for none).
    public init(_ values: [Double]) {
        guard !values.isEmpty else {
            (mean, standardDeviation) = (.nan, .nan)
            return
        }
        let mean = values.reduce(0, +) / Double(values.count)
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        self.mean = mean
        standardDeviation = values.count > 1 ? (squares / Double(values.count - 1)).squareRoot() : 0
    }

    /// `0.1234 ± 0.0056`.
    public var description: String {
        String(format: "%.4f ± %.4f", mean, standardDeviation)
    }
}

// MARK: - Cross-validation

/// K-fold cross-validation of a `TrainingRecipe` (see the HyperparameterSearch article).
///
/// The examples are the recipe's development data — its training and dev parts together;
/// a test part stays untouched — divided into `K` folds by `DataSplitter.kFold(count:folds:stratifiedBy:seed:)`
/// (seeded from the recipe's seed). For each fold a fresh `TrainingRun` trains on the
/// other `K − 1` folds, with the preprocessing fitted on them alone, and watches the
/// held-out fold as its dev set (so early stopping, when the recipe has it, monitors that
/// fold). Every fold starts from the same initial-weight seed.
///
/// ```swift
/// var recipe = TrainingRecipe()
/// recipe.epochs = 20
/// let summary = try CrossValidation.run(recipe: recipe, folds: 5, stratified: true)
/// print(summary.validationAccuracy ?? .init([]))   // 0.8650 ± 0.0210
/// ```
public enum CrossValidation {
    /// What one fold measured after training.
    public struct FoldResult: Sendable, Hashable, Codable {
        /// 1 for the first fold.
        public var fold: Int
        /// Training and held-out examples.
        public var trainCount: Int, validationCount: Int
        /// Cost (penalty included) and accuracy on the fold's training part.
        public var train: Evaluation
        /// Cost (penalty included) and accuracy on the held-out fold.
        public var validation: Evaluation
        /// Epochs trained (fewer than planned when stopped early).
        public var epochs: Int
    }

    /// The folds and their aggregates.
    public struct Summary: Sendable, Hashable, Codable {
        /// One result per fold, in fold order.
        public var folds: [FoldResult]
        /// Mean ± std of the training cost over the folds.
        public var trainCost: MeanAndSpread
        /// Mean ± std of the held-out cost over the folds.
        public var validationCost: MeanAndSpread
        /// Mean ± std of the training accuracy (`nil` for regression).
        public var trainAccuracy: MeanAndSpread?
        /// Mean ± std of the held-out accuracy (`nil` for regression).
        public var validationAccuracy: MeanAndSpread?

        /// Aggregates `folds`.
        public init(folds: [FoldResult]) {
            self.folds = folds
            trainCost = MeanAndSpread(folds.map(\.train.cost))
            validationCost = MeanAndSpread(folds.map(\.validation.cost))
            let trainAccuracies = folds.compactMap(\.train.accuracy), validationAccuracies = folds.compactMap(\.validation.accuracy)
            trainAccuracy = trainAccuracies.count == folds.count && !folds.isEmpty ? MeanAndSpread(trainAccuracies) : nil
            validationAccuracy = validationAccuracies.count == folds.count && !folds.isEmpty ? MeanAndSpread(validationAccuracies) : nil
        }
    }

    /// The examples cross-validation divides: the training and dev parts of `splits`, in
    /// that order.
    public static func developmentData(_ splits: DatasetSplits<Float>) -> Dataset<Float> {
        guard let dev = splits.dev else { return splits.train }
        return splits.train.appending(dev)
    }

    /// The seed of the fold assignment for a recipe seed.
    public static func foldSeed(recipeSeed: UInt64) -> UInt64 {
        ProposalContext.mix(recipeSeed, 0xF01D)
    }

    /// Trains and evaluates `recipe` on each of `k` folds.
    ///
    /// - Parameters:
    ///   - recipe: the run; its data, split and seed choose the examples.
    ///   - k: the number of folds, `2 ≤ k ≤` examples (`k` = examples is leave-one-out).
    ///   - stratified: keep each class's share in every fold.
    ///   - data: the loaded (unprocessed) splits, when already at hand; by default
    ///     `TrainingRun.loadData(for:)`.
    ///   - progress: called after each fold.
    /// - Throws: `NetworkError` for a bad `k`, and whatever loading or training throws.
    public static func run(recipe: TrainingRecipe, folds k: Int, stratified: Bool = false,
                           data: DatasetSplits<Float>? = nil,
                           progress: ((FoldResult) -> Void)? = nil) throws -> Summary {
        let examples = developmentData(try data ?? TrainingRun.loadData(for: recipe))
        let assignments = try DataSplitter.kFold(count: examples.count, folds: k,
                                                 stratifiedBy: stratified ? examples.labels : nil,
                                                 seed: foldSeed(recipeSeed: recipe.seed))
        var results: [FoldResult] = []
        for (index, fold) in assignments.enumerated() {
            let parts = DatasetSplits(train: examples.subset(fold.train), dev: examples.subset(fold.validation))
            let run = try TrainingRun(recipe: recipe, data: parts)
            let history = try run.fit()
            let measured = try run.evaluate()
            guard let validation = measured.dev else { preconditionFailure("a fold run always has its held-out part as dev set") }
            let result = FoldResult(fold: index + 1, trainCount: fold.train.count, validationCount: fold.validation.count,
                                    train: measured.train, validation: validation, epochs: history.epochs.count)
            progress?(result)
            results.append(result)
        }
        return Summary(folds: results)
    }
}

// MARK: - Joining sets

extension Dataset {
    /// This set followed by the rows of `other` (same feature and target widths).
    func appending(_ other: Dataset) -> Dataset {
        precondition(other.featureCount == featureCount && other.outputCount == outputCount,
                     "appending a set of \(other.featureCount)→\(other.outputCount) to one of \(featureCount)→\(outputCount)")
        var result = self
        result.features = Matrix(rows: count + other.count, columns: featureCount)
        result.targets = Matrix(rows: count + other.count, columns: outputCount)
        if count > 0 {
            result.features.base.update(from: features.base, count: count * featureCount)
            result.targets.base.update(from: targets.base, count: count * outputCount)
        }
        if other.count > 0 {
            result.features.rowPointer(count).update(from: other.features.base, count: other.count * featureCount)
            result.targets.rowPointer(count).update(from: other.targets.base, count: other.count * outputCount)
        }
        if let labels, let otherLabels = other.labels { result.labels = labels + otherLabels } else { result.labels = nil }
        return result
    }
}
