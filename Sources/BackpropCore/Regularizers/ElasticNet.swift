/// Elastic net (Zou & Hastie 2005): L1 and L2 together, `λ1·|w| + λ2·w²` in the scaling of
/// ``L1`` and ``L2``:
///
/// `R = (λ1/n)·Σ|w| + (λ2/2n)·Σw²`, `∂R/∂W = (λ1/n)·sgn(W) + (λ2/n)·W` (sgn(0) = 0),
///
/// so `ElasticNet(l1: a, l2: b)` equals `L1(lambda: a)` plus `L2(lambda: b)` exactly, and the
/// `--l1`/`--l2` flags combine into it.
public struct ElasticNet<Scalar: NetworkScalar>: Regularizer {
    /// λ1, the L1 strength.
    public let l1: Double
    /// λ2, the L2 strength.
    public let l2: Double

    /// An elastic-net penalty (λ1, λ2 ≥ 0).
    public init(l1: Double, l2: Double) {
        precondition(l1 >= 0 && l2 >= 0, "Elastic-net strengths must be non-negative, got λ1 = \(l1), λ2 = \(l2)")
        self.l1 = l1
        self.l2 = l2
    }

    public var description: String { "ElasticNet(λ1=\(l1), λ2=\(l2))" }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func penalty(_ weights: Matrix<Scalar>, exampleCount: Int) -> Scalar {
        let n = Double(exampleCount)
        return Scalar(l1 / n) * weights.absoluteSum() + Scalar(l2 / (2 * n)) * weights.squaredNorm()
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func addGradient(of weights: Matrix<Scalar>, to gradient: Matrix<Scalar>, exampleCount: Int) {
        let n = Double(exampleCount)
        let linear = Scalar(l1 / n), quadratic = Scalar(l2 / n)
        let w = weights.base, g = gradient.base
        for i in 0..<weights.count {
            let sign: Scalar = w[i] > 0 ? 1 : (w[i] < 0 ? -1 : 0)
            g[i] += linear * sign + quadratic * w[i]
        }
    }
}
