/// A weight penalty added to the cost, `J = C + R(W)`, and its gradient.
///
/// `exampleCount` is the `n` of the Regularization article: the training-set size by default, so `λ` means the
/// same whatever the batch size. Penalties apply only to parameters whose
/// ``Parameter/isRegularized`` is `true` (weights, never biases or batch-norm parameters).
public protocol Regularizer<Scalar>: Sendable, CustomStringConvertible {
    associatedtype Scalar: NetworkScalar

    /// `R(W)` for one weight tensor.
    func penalty(_ weights: Matrix<Scalar>, exampleCount: Int) -> Scalar

    /// Adds `∂R/∂W` to `gradient` (same shape as `weights`).
    func addGradient(of weights: Matrix<Scalar>, to gradient: Matrix<Scalar>, exampleCount: Int)
}

/// L2 weight decay: `R = (λ/2n)·‖W‖²_F`, `∂R/∂W = (λ/n)·W`.
///
/// Mapping to other libraries: PyTorch's `weight_decay` on a mean-loss gradient equals
/// `λ/n`; Keras's `L2(l)` equals `λ/(2n)`.
public struct L2<Scalar: NetworkScalar>: Regularizer {
    /// λ.
    public let lambda: Double

    /// An L2 penalty of strength `lambda` (λ ≥ 0).
    public init(lambda: Double) {
        precondition(lambda >= 0, "The L2 strength λ must be non-negative, got \(lambda)")
        self.lambda = lambda
    }

    public var description: String { "L2(λ=\(lambda))" }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func penalty(_ weights: Matrix<Scalar>, exampleCount: Int) -> Scalar {
        Scalar(lambda / (2 * Double(exampleCount))) * weights.squaredNorm()
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func addGradient(of weights: Matrix<Scalar>, to gradient: Matrix<Scalar>, exampleCount: Int) {
        let scale = Scalar(lambda / Double(exampleCount))
        let w = weights.base, g = gradient.base
        for i in 0..<weights.count { g[i] += scale * w[i] }
    }
}
