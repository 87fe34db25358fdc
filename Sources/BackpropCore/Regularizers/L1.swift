/// L1 penalty: `R = (λ/n)·Σ|w|`, `∂R/∂W = (λ/n)·sgn(W)` with `sgn(0) = 0` (see the Regularization article).
///
/// With gradient descent this gives `W ← W − (αλ/n)·sgn(W) − α·dW₀`: a constant pull towards 0
/// that drives many weights to exactly 0. `n` is the training-set size, as for ``L2``.
/// (`|w|` has no derivative at 0; 0 is the subgradient chosen, so a weight at exactly 0 feels
/// no pull.)
public struct L1<Scalar: NetworkScalar>: Regularizer {
    /// λ.
    public let lambda: Double

    /// An L1 penalty of strength `lambda` (λ ≥ 0).
    public init(lambda: Double) {
        precondition(lambda >= 0, "The L1 strength λ must be non-negative, got \(lambda)")
        self.lambda = lambda
    }

    public var description: String { "L1(λ=\(lambda))" }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func penalty(_ weights: Matrix<Scalar>, exampleCount: Int) -> Scalar {
        Scalar(lambda / Double(exampleCount)) * weights.absoluteSum()
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func addGradient(of weights: Matrix<Scalar>, to gradient: Matrix<Scalar>, exampleCount: Int) {
        let scale = Scalar(lambda / Double(exampleCount))
        let w = weights.base, g = gradient.base
        for i in 0..<weights.count {
            g[i] += w[i] > 0 ? scale : (w[i] < 0 ? -scale : 0)
        }
    }
}
