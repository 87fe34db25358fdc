/// Nesterov's accelerated gradient (Sutskever et al. 2013), in the form that needs the
/// gradient only at the stored parameters.
///
/// The textbook rule evaluates the gradient at the look-ahead point:
/// `v ← μ·v − α·∇J(θ + μ·v)`, `θ ← θ + v`. Storing the look-ahead point `φ = θ + μ·v` instead
/// of `θ` turns it into an update that uses the gradient at the stored parameters:
///
/// `v ← μ·v − α·dW`, `W ← W + μ·v − α·dW`
///
/// (equivalently `W ← W − μ·v_prev + (1+μ)·v`). The network therefore always holds the
/// look-ahead parameters, which differ from `θ` by `μ·v` — negligible once training settles.
/// μ = 0.9 by default. Slot: `"velocity"`.
public final class Nesterov<Scalar: NetworkScalar>: Optimizer {
    /// μ.
    public let momentum: Double
    let storage = SlotStorage<Scalar>(slotNames: ["velocity"])

    /// Nesterov momentum with coefficient `momentum` in `[0, 1)`.
    public init(momentum: Double = 0.9) {
        precondition(momentum >= 0 && momentum < 1, "The momentum μ must lie in [0, 1), got \(momentum)")
        self.momentum = momentum
    }

    public func update(_ parameters: [Parameter<Scalar>], learningRate: Scalar) {
        updateWithVelocity(parameters, storage: storage, momentum: momentum, learningRate: learningRate, lookAhead: true)
    }

    public var state: OptimizerState { storage.state }

    public func restore(_ state: OptimizerState, for parameters: [Parameter<Scalar>]) throws {
        try storage.restore(state, for: parameters, optimizer: description)
    }

    public var description: String { "Nesterov(μ=\(momentum))" }
}
