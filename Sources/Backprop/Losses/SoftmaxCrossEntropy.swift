/// Categorical cross-entropy of softmax probabilities, computed from logits:
/// `C = −(1/m) Σ_i Σ_j y_ij ln softmax(z_i)_j`, gradient `∂C/∂z = (softmax(z) − y)/m`.
///
/// Uses `ln softmax(z)_j = z_j − max(z) − ln Σ_k e^{z_k − max(z)}`, so logits of ±1000
/// give finite costs and gradients. Targets are one-hot rows (or any probability rows).
public struct SoftmaxCrossEntropy<Scalar: NetworkScalar>: Loss {
    public init() {}

    public var name: String { "softmax-ce" }

    public func cost(logits: Matrix<Scalar>, targets: Matrix<Scalar>, gradient: Matrix<Scalar>?) -> Scalar {
        let rows = logits.rows, columns = logits.columns
        let scale = 1 / Scalar(rows)
        var total: Scalar = 0
        for row in 0..<rows {
            let z = logits.rowPointer(row), y = targets.rowPointer(row)
            var maximum = -Scalar.infinity
            for j in 0..<columns { maximum = Swift.max(maximum, z[j]) }
            var sum: Scalar = 0
            for j in 0..<columns { sum += Scalar.exp(z[j] - maximum) }
            let logSum = Scalar.log(sum)
            for j in 0..<columns where y[j] != 0 { total -= y[j] * (z[j] - maximum - logSum) }
            if let gradient {
                let g = gradient.rowPointer(row)
                let inverse = 1 / sum
                for j in 0..<columns { g[j] = (Scalar.exp(z[j] - maximum) * inverse - y[j]) * scale }
            }
        }
        return total * scale
    }

    public func predictions(logits: Matrix<Scalar>, into result: Matrix<Scalar>) {
        Activation.softmax.apply(logits, into: result)
    }
}
