import BackpropCore

/// The measurements of a ``Model`` on a labelled set of raw examples: the loss (without
/// weight penalty) and classification or regression metrics.
public struct ModelEvaluation: Sendable, Equatable, Codable {
    /// Examples evaluated.
    public var count: Int
    /// The model's loss, averaged over the examples (no weight penalty).
    public var cost: Double
    /// Accuracy, per-class precision/recall/F1, confusion matrix, log-loss (classification).
    public var classification: ClassificationMetrics?
    /// MSE, MAE, R² (regression).
    public var regression: RegressionMetrics?
}

extension Model {
    /// Evaluates the model on `data` given in raw features (the saved preprocessing is
    /// applied here).
    ///
    /// - Throws: `NetworkError` when the data's width, outputs or class names do not
    ///   match the model's.
    public func evaluate(_ data: Dataset<Float>) throws -> ModelEvaluation {
        let data = try data.checkedForEvaluation(outputCount: manifest.outputCount, classNames: classNames, by: "the model's")
        let inputs = try preprocess(data.features)
        let cost = try Evaluator<Float>().evaluate(network, loss: loss, on: Dataset(features: inputs, targets: data.targets)).cost
        if let labels = data.labels, let names = classNames {
            let probabilities = try network.predictProbabilities(inputs, loss: loss)
            let rows: [[Double]] = (0..<probabilities.rows).map { row in
                let values = (0..<probabilities.columns).map { Double(probabilities[row, $0]) }
                return values.count == 1 ? [1 - values[0], values[0]] : values
            }
            return ModelEvaluation(count: data.count, cost: cost,
                                   classification: try ClassificationMetrics(labels: labels, probabilities: rows, classNames: names))
        }
        let predictions = try network.predictProbabilities(inputs, loss: loss)
        func rows(_ matrix: Matrix<Float>) -> [[Double]] {
            (0..<matrix.rows).map { row in (0..<matrix.columns).map { Double(matrix[row, $0]) } }
        }
        return ModelEvaluation(count: data.count, cost: cost,
                               regression: try RegressionMetrics(targets: rows(data.targets), predictions: rows(predictions)))
    }
}

extension Dataset<Float> {
    /// The data as a model (or ensemble) with `outputCount` outputs and `classNames`
    /// evaluates it: non-empty, its targets matched to the outputs (two-class labels for one
    /// sigmoid output), and its class names, when it has some, the same. `owner` names the
    /// evaluator in the message, e.g. `"the model's"`.
    func checkedForEvaluation(outputCount: Int, classNames: [String]?, by owner: String) throws -> Dataset<Float> {
        guard count > 0 else { throw NetworkError.emptyBatch(layer: "evaluation set") }
        let data = try matching(outputs: outputCount)
        guard data.outputCount == outputCount else {
            throw NetworkError.shapeMismatch(layer: "evaluation data", expected: "\(outputCount) target columns", actual: "\(data.outputCount)")
        }
        if let names = classNames, let dataNames = data.classNames, data.isClassification, dataNames != names {
            throw NetworkError.incompatible("The data's classes \(dataNames)", "\(owner) \(names)", relation: "differ from")
        }
        return data
    }
}
