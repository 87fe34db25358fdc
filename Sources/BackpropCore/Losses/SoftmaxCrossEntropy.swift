/// Categorical cross-entropy of softmax probabilities, computed from logits:
/// `C = −(1/m) Σ_i Σ_j t_ij ln softmax(z_i)_j`, gradient `∂C/∂z = (softmax(z) − t)/m`.
///
/// The target is the given row `y` smoothed by ``labelSmoothing`` ε over the `K` classes
/// (Szegedy et al. 2016): `t = (1 − ε)·y + ε/K`; with ε = 0 (the default) `t = y`.
///
/// Uses `ln softmax(z)_j = z_j − max(z) − ln Σ_k e^{z_k − max(z)}`, so logits of ±1000
/// give finite costs and gradients. Targets are one-hot rows (or any probability rows).
public struct SoftmaxCrossEntropy<Scalar: NetworkScalar>: Loss {
    /// The label-smoothing ε, in `[0, 1)`.
    public let labelSmoothing: Double

    /// The loss with label smoothing `labelSmoothing` (`0 ≤ ε < 1`; 0 for none).
    public init(labelSmoothing: Double = 0) {
        precondition(labelSmoothing >= 0 && labelSmoothing < 1, "label smoothing must lie in [0, 1), got \(labelSmoothing)")
        self.labelSmoothing = labelSmoothing
    }

    public var name: String { "softmax-ce" }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func cost(logits: Matrix<Scalar>, targets: Matrix<Scalar>, gradient: Matrix<Scalar>?) -> Scalar {
        let rows = logits.rows, columns = logits.columns
        let scale = 1 / Scalar(rows)
        let (kept, spread) = smoothing(columns)
        var total: Scalar = 0
        for row in 0..<rows {
            let z = logits.rowPointer(row), y = targets.rowPointer(row)
            var maximum = -Scalar.infinity
            for j in 0..<columns { maximum = Swift.max(maximum, z[j]) }
            var sum: Scalar = 0
            if let gradient {
                // The exponentials are computed once, parked in the gradient row.
                let g = gradient.rowPointer(row)
                for j in 0..<columns { let e = Scalar.exp(z[j] - maximum); g[j] = e; sum += e }
                let inverse = 1 / sum
                for j in 0..<columns { g[j] = (g[j] * inverse - (kept * y[j] + spread)) * scale }
            } else {
                for j in 0..<columns { sum += Scalar.exp(z[j] - maximum) }
            }
            let logSum = Scalar.log(sum)
            for j in 0..<columns {
                let target = kept * y[j] + spread
                if target != 0 { total -= target * (z[j] - maximum - logSum) }
            }
        }
        return total * scale
    }

    /// `(1 − ε, ε/K)` for `K = classes`: the smoothed target is `(1 − ε)·y + ε/K`.
    @inlinable
    func smoothing(_ classes: Int) -> (kept: Scalar, spread: Scalar) {
        (Scalar(1 - labelSmoothing), Scalar(labelSmoothing / Double(classes)))
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func predictions(logits: Matrix<Scalar>, into result: Matrix<Scalar>) {
        Activation.softmax.apply(logits, into: result)
    }
}

// MARK: - Integer labels

extension SoftmaxCrossEntropy {
    /// The batch-mean cost of `logits` (`m × k`) against integer class `labels` (`m` values
    /// in `0..<k`), without building one-hot rows:
    /// `C = −(1/m) Σ_i Σ_j t_ij ln softmax(z_i)_j`, gradient `∂C/∂z_ij = (softmax(z_i)_j − t_ij)/m`,
    /// with `t_ij = (1 − ε)·[j = y_i] + ε/k` (`[j = y_i]` without smoothing).
    ///
    /// Gives the same cost and gradient as ``cost(logits:targets:gradient:)`` with
    /// `Matrix.oneHot(labels: labels, classCount: k)`.
    ///
    /// - Parameters:
    ///   - logits: the network's raw output scores, `m × k`.
    ///   - labels: one class per row of `logits`, each in `0..<k`.
    ///   - gradient: when given (`m × k`), receives `∂C/∂logits`.
    /// - Throws: ``NetworkError/shapeMismatch(layer:expected:actual:)`` when the label count
    ///   differs from the row count or `gradient` has the wrong shape,
    ///   ``NetworkError/emptyBatch(layer:)`` for no rows,
    ///   ``NetworkError/labelOutOfRange(label:row:classCount:)`` for a label outside `0..<k`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func cost(logits: Matrix<Scalar>, labels: [Int], gradient: Matrix<Scalar>?) throws -> Scalar {
        let rows = logits.rows, columns = logits.columns
        guard labels.count == rows else {
            throw NetworkError.shapeMismatch(layer: "loss \(name)", expected: "\(rows) labels", actual: "\(labels.count) labels")
        }
        guard rows > 0 else { throw NetworkError.emptyBatch(layer: "loss \(name)") }
        if let gradient, gradient.rows != rows || gradient.columns != columns {
            throw NetworkError.shapeMismatch(layer: "loss \(name)", expected: "gradient \(rows)×\(columns)", actual: "\(gradient.rows)×\(gradient.columns)")
        }
        if let row = labels.firstIndex(where: { $0 < 0 || $0 >= columns }) {
            throw NetworkError.labelOutOfRange(label: labels[row], row: row, classCount: columns)
        }
        let scale = 1 / Scalar(rows)
        let (kept, spread) = smoothing(columns)
        var total: Scalar = 0
        for row in 0..<rows {
            let z = logits.rowPointer(row), label = labels[row]
            var maximum = -Scalar.infinity
            for j in 0..<columns { maximum = Swift.max(maximum, z[j]) }
            var sum: Scalar = 0
            for j in 0..<columns { sum += Scalar.exp(z[j] - maximum) }
            let logSum = Scalar.log(sum)
            let labelTerm = z[label] - maximum - logSum
            if spread == 0 {
                total -= labelTerm
            } else {
                var logProbabilities: Scalar = 0
                for j in 0..<columns { logProbabilities += z[j] - maximum - logSum }
                total -= kept * labelTerm + spread * logProbabilities
            }
            if let gradient {
                let g = gradient.rowPointer(row)
                let inverse = 1 / sum
                for j in 0..<columns { g[j] = (Scalar.exp(z[j] - maximum) * inverse - spread) * scale }
                g[label] -= kept * scale
            }
        }
        return total * scale
    }
}
