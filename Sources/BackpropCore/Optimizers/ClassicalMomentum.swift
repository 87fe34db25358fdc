/// Classical (heavy-ball) momentum: `v ← μ·v − α·dW`, `W ← W + v` (μ = 0.9 by default).
///
/// Unlike the average form of ``Momentum``, the velocity carries α inside it, so the steady
/// step is `α/(1−μ)` times the gradient. Slot: `"velocity"`.
public final class ClassicalMomentum<Scalar: NetworkScalar>: Optimizer {
    /// μ.
    public let momentum: Double
    let storage = SlotStorage<Scalar>(slotNames: ["velocity"])

    /// Classical momentum with coefficient `momentum` in `[0, 1)`.
    public init(momentum: Double = 0.9) {
        precondition(momentum >= 0 && momentum < 1, "The momentum μ must lie in [0, 1), got \(momentum)")
        self.momentum = momentum
    }

    public func update(_ parameters: [Parameter<Scalar>], learningRate: Scalar) {
        updateWithVelocity(parameters, storage: storage, momentum: momentum, learningRate: learningRate, lookAhead: false)
    }

    public var state: OptimizerState { storage.state }

    public func restore(_ state: OptimizerState, for parameters: [Parameter<Scalar>]) throws {
        try storage.restore(state, for: parameters, optimizer: description)
    }

    public var description: String { "ClassicalMomentum(μ=\(momentum))" }
}
