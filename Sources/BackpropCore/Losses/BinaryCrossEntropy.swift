/// Binary cross-entropy of sigmoid probabilities, computed from logits, summed over the
/// output columns (independent binary labels) and averaged over rows:
/// `C = −(1/m) Σ [y ln σ(z) + (1−y) ln(1−σ(z))]`, gradient `∂C/∂z = (σ(z) − y)/m`.
///
/// Uses the stable form `ℓ = max(z, 0) − z·y + ln(1 + e^{−|z|})`.
public struct BinaryCrossEntropy<Scalar: NetworkScalar>: Loss {
    public init() {}

    public var name: String { "binary-ce" }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func cost(logits: Matrix<Scalar>, targets: Matrix<Scalar>, gradient: Matrix<Scalar>?) -> Scalar {
        let count = logits.count
        let scale = 1 / Scalar(logits.rows)
        let z = logits.base, y = targets.base
        var total: Scalar = 0
        for i in 0..<count {
            total += Swift.max(z[i], 0) - z[i] * y[i] + Scalar.log(onePlus: Scalar.exp(-Swift.abs(z[i])))
        }
        if let gradient {
            let g = gradient.base
            for i in 0..<count { g[i] = (logistic(z[i]) - y[i]) * scale }
        }
        return total * scale
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func predictions(logits: Matrix<Scalar>, into result: Matrix<Scalar>) {
        Activation.sigmoid.apply(logits, into: result)
    }
}
