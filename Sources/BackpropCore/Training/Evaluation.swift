/// The cost and accuracy of a network on a set.
public struct Evaluation: Sendable, Hashable, Codable {
    /// Mean loss over the set plus the weight penalty (when a regulariser is given).
    public var cost: Double
    /// Fraction of examples whose predicted class (arg-max of the logits, or logit > 0 for a
    /// single output) equals the label; `nil` for a set without labels.
    public var accuracy: Double?
}

/// Evaluates networks on data sets in chunks, in inference mode, reusing its buffers
/// from call to call.
///
/// ```swift
/// let evaluator = Evaluator<Float>(chunkSize: 1024)
/// let result = try evaluator.evaluate(network, loss: SoftmaxCrossEntropy(), on: devSet)
/// print(result.cost, result.accuracy ?? .nan)
/// ```
public final class Evaluator<Scalar: NetworkScalar> {
    /// Rows per forward pass.
    public let chunkSize: Int
    /// The processes sharing the evaluation, or `nil` for one: each evaluates its
    /// contiguous slice of the set, and the losses and correct counts are summed.
    public var group: (any DataParallelGroup)?
    private var features: Matrix<Scalar>?
    private var targets: Matrix<Scalar>?

    /// An evaluator running `chunkSize` rows (≥ 1) per forward pass.
    public init(chunkSize: Int = 1024) {
        precondition(chunkSize >= 1, "The evaluation chunk size must be at least 1, got \(chunkSize)")
        self.chunkSize = chunkSize
    }

    /// The cost (batch-mean loss over the whole set, plus `regularizer`'s penalty with
    /// `n = penaltyExampleCount`) and accuracy of `network` on `data`.
    ///
    /// - Throws: ``NetworkError`` when the set does not fit the network or loss.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func evaluate(_ network: Sequential<Scalar>, loss: any Loss<Scalar>, on data: Dataset<Scalar>,
                         regularizer: (any Regularizer<Scalar>)? = nil, penaltyExampleCount: Int? = nil) throws -> Evaluation {
        guard data.count > 0 else { throw NetworkError.emptyBatch(layer: "evaluation set") }
        var totalLoss = 0.0
        var correct = 0
        let part = group?.slice(of: 0..<data.count) ?? 0..<data.count
        var start = part.lowerBound
        while start < part.upperBound {
            let rows = min(chunkSize, part.upperBound - start)
            let x = Matrix.reuse(features, rows: rows, columns: data.featureCount)
            let y = Matrix.reuse(targets, rows: rows, columns: data.outputCount)
            features = x
            targets = y
            x.base.update(from: data.features.rowPointer(start), count: rows * data.featureCount)
            y.base.update(from: data.targets.rowPointer(start), count: rows * data.outputCount)
            let logits = try network.forward(x, mode: .inference)
            if start == part.lowerBound { try loss.validate(logits: logits, targets: y) }
            totalLoss += Double(loss.cost(logits: logits, targets: y, gradient: nil)) * Double(rows)
            if let labels = data.labels { correct += Self.correctCount(logits: logits, labels: labels[start..<(start + rows)]) }
            start += rows
        }
        if let group {
            let sums = group.sum([totalLoss, Double(correct)])
            totalLoss = sums[0]
            correct = Int(sums[1])
        }
        var cost = totalLoss / Double(data.count)
        if let regularizer {
            let n = penaltyExampleCount ?? data.count
            for parameter in network.parameters where parameter.isRegularized {
                cost += Double(regularizer.penalty(parameter.value, exampleCount: n))
            }
        }
        return Evaluation(cost: cost, accuracy: data.labels == nil ? nil : Double(correct) / Double(data.count))
    }

    /// How many rows of `logits` predict their label: arg-max of the row, or `logit > 0`
    /// for a single output column.
    static func correctCount(logits: Matrix<Scalar>, labels: some Sequence<Int>) -> Int {
        var correct = 0
        let columns = logits.columns
        for (row, label) in zip(0..<logits.rows, labels) {
            let values = logits.rowPointer(row)
            let predicted: Int
            if columns == 1 {
                predicted = values[0] > 0 ? 1 : 0
            } else {
                var best = 0
                for j in 1..<columns where values[j] > values[best] { best = j }
                predicted = best
            }
            if predicted == label { correct += 1 }
        }
        return correct
    }
}
