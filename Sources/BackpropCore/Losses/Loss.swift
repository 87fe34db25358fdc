/// A cost computed from a network's raw output scores (logits), with its gradient.
///
/// Costs are **batch means**: `C = (1/m) Σ_i ℓ(z_i, y_i)`, and the gradient written is
/// `∂C/∂z`, which already carries the `1/m` (see ``Layer``). Probabilities are formed
/// inside the loss (softmax, sigmoid) so that large logits stay finite.
///
/// Targets are a matrix of the logits' shape: one-hot rows for classification (build them
/// with ``Matrix/oneHot(labels:classCount:)``), 0/1 values for binary labels, real values
/// for regression.
public protocol Loss<Scalar>: Sendable, CustomStringConvertible {
    associatedtype Scalar: NetworkScalar

    /// The name used in flags and files: `mse`, `binary-ce` or `softmax-ce`.
    var name: String { get }

    /// The batch-mean cost of `logits` against `targets` (both `m × k`); when `gradient`
    /// is given, `∂C/∂logits` is written into it.
    func cost(logits: Matrix<Scalar>, targets: Matrix<Scalar>, gradient: Matrix<Scalar>?) -> Scalar

    /// Writes the network's prediction for `logits` into `result`: probabilities for the
    /// classification losses, the output activation's values for the quadratic cost.
    func predictions(logits: Matrix<Scalar>, into result: Matrix<Scalar>)
}

extension Loss {
    public var description: String { name }

    /// Throws unless `logits` and `targets` are non-empty and have the same shape.
    public func validate(logits: Matrix<Scalar>, targets: Matrix<Scalar>) throws {
        guard logits.rows == targets.rows, logits.columns == targets.columns else {
            throw NetworkError.shapeMismatch(layer: "loss \(name)", expected: "targets \(logits.rows)×\(logits.columns)", actual: "\(targets.rows)×\(targets.columns)")
        }
        guard logits.rows > 0 else { throw NetworkError.emptyBatch(layer: "loss \(name)") }
        if let (row, column) = targets.firstNonFinite() {
            throw NetworkError.nonFinite(place: "The targets", row: row, column: column)
        }
    }
}

extension Matrix {
    /// One-hot rows for class `labels`: row `i` has a 1 in column `labels[i]`.
    ///
    /// - Throws: ``NetworkError/labelOutOfRange(label:row:classCount:)``.
    public static func oneHot(labels: [Int], classCount: Int) throws -> Matrix<Scalar> {
        let result = Matrix(rows: labels.count, columns: classCount)
        for (row, label) in labels.enumerated() {
            guard label >= 0 && label < classCount else {
                throw NetworkError.labelOutOfRange(label: label, row: row, classCount: classCount)
            }
            result[row, label] = 1
        }
        return result
    }
}
