/// The max-norm constraint (Srebro & Shraibman 2005; used with dropout by Srivastava et al.
/// 2014): after every update, each unit's incoming weight vector — a row of `W`
/// (`n_out × n_in`) — is scaled back onto the ball `‖w‖₂ ≤ c` when it left it:
/// `w ← w · c/‖w‖₂` if `‖w‖₂ > c`. Typical `c` is 3–4.
///
/// Applies to regularised parameters only (weights, never biases or batch-norm parameters).
///
/// ```swift
/// trainer.constraints = [MaxNormConstraint(maxNorm: 3)]  // applied after every update
/// ```
public struct MaxNormConstraint: ParameterConstraint, Hashable, Codable {
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
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
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
