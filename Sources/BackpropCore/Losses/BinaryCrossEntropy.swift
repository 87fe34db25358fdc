/// Binary cross-entropy of sigmoid probabilities, computed from logits, summed over the
/// output columns (independent binary labels) and averaged over rows:
/// `C = −(1/m) Σ [t ln σ(z) + (1−t) ln(1−σ(z))]`, gradient `∂C/∂z = (σ(z) − t)/m`.
///
/// With ``labelSmoothing`` ε each label is smoothed towards ½: `t = (1 − ε)·y + ε/2`
/// replaces `y` in the cost and the gradient (ε = 0, the default, leaves `y`).
///
/// Uses the stable form `ℓ = max(z, 0) − z·t + ln(1 + e^{−|z|})`.
public struct BinaryCrossEntropy<Scalar: NetworkScalar>: Loss {
    /// The label-smoothing ε, in `[0, 1)`.
    public let labelSmoothing: Double

    /// The loss with label smoothing `labelSmoothing` (`0 ≤ ε < 1`; 0 for none).
    public init(labelSmoothing: Double = 0) {
        precondition(labelSmoothing >= 0 && labelSmoothing < 1, "label smoothing must lie in [0, 1), got \(labelSmoothing)")
        self.labelSmoothing = labelSmoothing
    }

    public var name: String { "binary-ce" }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func cost(logits: Matrix<Scalar>, targets: Matrix<Scalar>, gradient: Matrix<Scalar>?) -> Scalar {
        let count = logits.count
        let scale = 1 / Scalar(logits.rows)
        let z = logits.base, y = targets.base
        let kept = Scalar(1 - labelSmoothing), spread = Scalar(labelSmoothing / 2)
        var total: Scalar = 0
        for i in 0..<count {
            total += Swift.max(z[i], 0) - z[i] * (kept * y[i] + spread) + Scalar.log(onePlus: Scalar.exp(-Swift.abs(z[i])))
        }
        if let gradient {
            let g = gradient.base
            for i in 0..<count { g[i] = (logistic(z[i]) - (kept * y[i] + spread)) * scale }
        }
        return total * scale
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func predictions(logits: Matrix<Scalar>, into result: Matrix<Scalar>) {
        Activation.sigmoid.apply(logits, into: result)
    }
}
