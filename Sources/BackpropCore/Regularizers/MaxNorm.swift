/// The max-norm constraint (Srebro & Shraibman 2005; used with dropout by Srivastava et al.
/// 2014): after every update, each unit's incoming weight vector — a row of `W`
/// (`n_out × n_in`) — is scaled back onto the ball `‖w‖₂ ≤ c` when it left it:
/// `w ← w · c/‖w‖₂` if `‖w‖₂ > c`. Typical `c` is 3–4.
///
/// Applies to regularised parameters only (weights, never biases or batch-norm parameters).
///
/// ```swift
/// let constraint = MaxNormConstraint(maxNorm: 3)
/// optimizer.update(parameters, learningRate: α)
/// constraint.apply(to: parameters)
/// ```
public struct MaxNormConstraint: Sendable, Hashable, Codable, CustomStringConvertible {
    /// c.
    public let maxNorm: Double

    /// A constraint with radius `maxNorm` (> 0).
    public init(maxNorm: Double = 3) {
        precondition(maxNorm > 0 && maxNorm.isFinite, "The max-norm radius must be positive, got \(maxNorm)")
        self.maxNorm = maxNorm
    }

    /// Clamps every row of every regularised parameter.
    public func apply<Scalar: NetworkScalar>(to parameters: [Parameter<Scalar>]) {
        for parameter in parameters where parameter.isRegularized { apply(to: parameter.value) }
    }

    /// Clamps every row of `weights` to `‖row‖₂ ≤ c`.
    public func apply<Scalar: NetworkScalar>(to weights: Matrix<Scalar>) {
        for row in 0..<weights.rows {
            let w = weights.rowPointer(row)
            var squares = 0.0
            for j in 0..<weights.columns { squares += Double(w[j]) * Double(w[j]) }
            let norm = squares.squareRoot()
            guard norm > maxNorm else { continue }
            let scale = Scalar(maxNorm / norm)
            for j in 0..<weights.columns { w[j] *= scale }
        }
    }

    public var description: String { "max-norm(\(maxNorm))" }
}

/// An optimiser part that applies a ``MaxNormConstraint`` after every update of another
/// optimiser. The state is the wrapped optimiser's.
///
/// ```swift
/// let optimizer = MaxNormConstrained(Momentum<Float>(), constraint: MaxNormConstraint(maxNorm: 3))
/// ```
public final class MaxNormConstrained<Scalar: NetworkScalar>: Optimizer {
    /// The optimiser that makes the update.
    public let base: any Optimizer<Scalar>
    /// The constraint applied afterwards.
    public let constraint: MaxNormConstraint

    /// Updates with `base`, then clamps rows with `constraint`.
    public init(_ base: any Optimizer<Scalar>, constraint: MaxNormConstraint) {
        self.base = base
        self.constraint = constraint
    }

    public func update(_ parameters: [Parameter<Scalar>], learningRate: Scalar) {
        base.update(parameters, learningRate: learningRate)
        constraint.apply(to: parameters)
    }

    public var state: OptimizerState { base.state }

    public func restore(_ state: OptimizerState, for parameters: [Parameter<Scalar>]) throws {
        try base.restore(state, for: parameters)
    }

    public var description: String { "\(base) + \(constraint)" }
}
