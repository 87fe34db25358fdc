import Foundation
import BackpropCore
import BackpropData
import BackpropModelFiles
import BackpropRecipes
import BackpropRuns

// MARK: - Ensemble

/// Several networks trained on the same data from different seeds, predicting together by
/// averaging their probabilities: `p̄(x) = (1/N)·Σₖ pₖ(x)`, the class being the arg-max of
/// `p̄` (or `p̄ ≥ 0.5` for one sigmoid output).
///
/// The members share one split of the data and one preprocessing pipeline (fitted on the
/// shared training part), so one transformed input serves them all. Member `k` trains the
/// recipe with seed `recipe.seed + k` for its weights, dropout and shuffles.
///
/// ```swift
/// var recipe = TrainingRecipe()
/// recipe.epochs = 30
/// let ensemble = try Ensemble.train(recipe: recipe, members: 5)
/// print(try ensemble.accuracy(on: ensemble.splits.test!))
/// ```
public final class Ensemble {
    /// The recipe of member 0 (member `k` uses seed `recipe.seed + k`).
    public let recipe: TrainingRecipe
    /// The members' training runs (network, loss, pipeline).
    public let members: [TrainingRun]
    /// The shared split, preprocessed.
    public var splits: DatasetSplits<Float> { members[0].splits }
    /// The shared preprocessing.
    public var pipeline: PreprocessingPipeline { members[0].pipeline }

    /// An ensemble of already-trained runs on one split.
    /// - Throws: `NetworkError.invalidSize(what:value:requirement:)` without members,
    ///   `NetworkError.incompatible(_:_:relation:)` when their pipelines or output widths differ.
    public init(recipe: TrainingRecipe, members: [TrainingRun]) throws {
        guard let first = members.first else { throw NetworkError.invalidSize(what: "an ensemble", value: 0, requirement: "needs at least one member") }
        guard members.allSatisfy({ $0.pipeline == first.pipeline && $0.network.outputCount == first.network.outputCount }) else {
            throw NetworkError.incompatible("ensemble members", "the preprocessing and the output width", relation: "must share")
        }
        self.recipe = recipe
        self.members = members
    }

    /// The seed of member `index`.
    public static func memberSeed(_ recipe: TrainingRecipe, index: Int) -> UInt64 {
        recipe.seed &+ UInt64(index)
    }

    /// Loads the recipe's data once and trains `count` members on it.
    ///
    /// - Parameters:
    ///   - recipe: the run every member trains; member `i` uses the seed
    ///     ``memberSeed(_:index:)``, so the members start from different weights.
    ///   - count: the number of members, at least 1.
    ///   - data: the loaded splits, when already at hand (loaded once otherwise).
    ///   - prepare: called with each member's run before it trains, to set how it computes
    ///     (threads, train-set evaluation) without changing what it learns.
    ///   - progress: called with each member's index and run after it has trained.
    /// - Throws: `NetworkError` for `count < 1`, and whatever loading or training throws.
    public static func train(recipe: TrainingRecipe, members count: Int, data: DatasetSplits<Float>? = nil,
                             prepare: ((TrainingRun) -> Void)? = nil,
                             progress: ((Int, TrainingRun) -> Void)? = nil) throws -> Ensemble {
        guard count >= 1 else { throw NetworkError.invalidSize(what: "an ensemble", value: count, requirement: "needs at least one member") }
        let raw = try data ?? TrainingRun.loadData(for: recipe)
        var runs: [TrainingRun] = []
        for index in 0..<count {
            var member = recipe
            member.seed = memberSeed(recipe, index: index)
            let run = try TrainingRun(recipe: member, data: raw)
            prepare?(run)
            try run.fit()
            progress?(index, run)
            runs.append(run)
        }
        return try Ensemble(recipe: recipe, members: runs)
    }

    /// The averaged probabilities for preprocessed `inputs` (`n × features`): `n × outputs`.
    public func probabilities(_ inputs: Matrix<Float>) throws -> Matrix<Float> {
        let sum = Matrix<Float>(rows: inputs.rows, columns: members[0].network.outputCount)
        for member in members {
            let probabilities = try member.network.predictProbabilities(inputs, loss: member.trainer.loss)
            for index in 0..<sum.count { sum.base[index] += probabilities.base[index] }
        }
        let scale = 1 / Float(members.count)
        for index in 0..<sum.count { sum.base[index] *= scale }
        return sum
    }

    /// The predicted class of each row of preprocessed `inputs` from the averaged probabilities.
    public func predictClasses(_ inputs: Matrix<Float>) throws -> [Int] {
        Sequential<Float>.classes(of: try probabilities(inputs))
    }

    /// The ensemble's accuracy on a preprocessed labelled set.
    /// - Throws: `NetworkError.unusable(what:reason:)` for a set without labels.
    public func accuracy(on data: Dataset<Float>) throws -> Double {
        guard let labels = data.labels else { throw NetworkError.unusable(what: "accuracy", reason: "the data have no class labels") }
        let predicted = try predictClasses(data.features)
        return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(max(labels.count, 1))
    }

    // MARK: - Saving

    /// The members as saved-model values: member `k` becomes a `Model` whose metrics are
    /// its final train/dev/test cost and accuracy (`train_cost`, `dev_accuracy`, …).
    public func model() throws -> EnsembleModel {
        let models = try members.map { run in
            let evaluation = try run.evaluate()
            var metrics = ["train_cost": evaluation.train.cost, "epochs": Double(run.recipe.epochs)]
            metrics["train_accuracy"] = evaluation.train.accuracy
            metrics["dev_cost"] = evaluation.dev?.cost
            metrics["dev_accuracy"] = evaluation.dev?.accuracy
            metrics["test_cost"] = evaluation.test?.cost
            metrics["test_accuracy"] = evaluation.test?.accuracy
            return try Model(run: run, metrics: metrics)
        }
        return try EnsembleModel(members: models, seeds: members.map(\.recipe.seed))
    }

    /// Writes the ensemble to `folder` as `EnsembleModel.save(to:)` does: one model folder
    /// `member-k` per member (`model.json`, `model.safetensors`), then `ensemble.json`.
    /// Every file is written atomically.
    public func save(to folder: URL) throws {
        try model().save(to: folder)
    }
}
