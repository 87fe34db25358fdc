import Foundation
import BackpropCore
import BackpropRecipes

/// A saved predictor read from a folder: a single model folder (`model.json`) or an
/// ensemble folder (`ensemble.json`). Both take raw inputs and apply their saved
/// preprocessing, so `evaluate` and `predict` treat them alike.
///
/// ```swift
/// let predictor = try LoadedModel.load(from: URL(fileURLWithPath: path))
/// let rows = try predictor.classProbabilities(raw)   // n × classes
/// ```
public enum LoadedModel {
    /// One trained model.
    case single(Model)
    /// Several models whose probabilities are averaged.
    case ensemble(EnsembleModel)

    /// Reads `folder` as an ensemble when it holds `ensemble.json`, else as a model folder.
    ///
    /// - Throws: ``ModelFileError`` naming the file and the problem.
    public static func load(from folder: URL) throws -> LoadedModel {
        EnsembleModel.isEnsemble(folder) ? .ensemble(try EnsembleModel.load(from: folder)) : .single(try Model.load(from: folder))
    }

    /// The class names (classification), or `nil`.
    public var classNames: [String]? {
        switch self {
        case let .single(model): model.classNames
        case let .ensemble(ensemble): ensemble.classNames
        }
    }

    /// Raw features per input row.
    public var featureCount: Int {
        switch self {
        case let .single(model): model.manifest.featureCount
        case let .ensemble(ensemble): ensemble.featureCount
        }
    }

    /// The training recipe (of the first member for an ensemble): its data and seed define
    /// the default evaluation data.
    public var recipe: TrainingRecipe {
        switch self {
        case let .single(model): model.manifest.recipe
        case let .ensemble(ensemble): ensemble.recipe
        }
    }

    /// Probabilities (or regression values) for raw inputs: `n × outputs`.
    public func predictProbabilities(_ rawInputs: Matrix<Float>) throws -> Matrix<Float> {
        switch self {
        case let .single(model): try model.predictProbabilities(rawInputs)
        case let .ensemble(ensemble): try ensemble.predictProbabilities(rawInputs)
        }
    }

    /// One probability per class and row for raw inputs: `n × max(outputs, 2)`.
    public func classProbabilities(_ rawInputs: Matrix<Float>) throws -> [[Double]] {
        switch self {
        case let .single(model): try model.classProbabilities(rawInputs)
        case let .ensemble(ensemble): try ensemble.classProbabilities(rawInputs)
        }
    }

    /// The metrics on labelled raw data (``Model/evaluate(_:)``, ``EnsembleModel/evaluate(_:)``).
    public func evaluate(_ data: Dataset<Float>) throws -> ModelEvaluation {
        switch self {
        case let .single(model): try model.evaluate(data)
        case let .ensemble(ensemble): try ensemble.evaluate(data)
        }
    }
}
