/// Momentum in exponentially-weighted-average form:
/// `v ← β·v + (1−β)·dW`, `W ← W − α·v` (β = 0.9 by default; `v` starts at 0, no bias correction).
///
/// Subnormal velocities are set to zero. `v` averages about the last `1/(1−β)` gradients, so α keeps the meaning it has for plain
/// gradient descent. Slot: `"velocity"`. See ``ClassicalMomentum`` for `v ← μ·v − α·dW`.
public final class Momentum<Scalar: NetworkScalar>: Optimizer, EngineConfigurable {
    /// β.
    public let beta: Double
    let storage = SlotStorage<Scalar>(slotNames: ["velocity"])
    /// The engine of the update: ``ComputeEngine/default`` until set (a training loop hands
    /// it the network's engine). This update, bound by memory traffic, runs on one thread
    /// whatever the engine's thread count.
    public var engine = ComputeEngine.default

    /// Momentum with averaging factor `beta` in `[0, 1)`.
    public init(beta: Double = 0.9) {
        precondition(beta >= 0 && beta < 1, "Momentum β must lie in [0, 1), got \(beta)")
        self.beta = beta
    }

    @_specialize(where Scalar == Float)
    public func update(_ parameters: [Parameter<Scalar>], learningRate: Scalar) {
        storage.prepare(for: parameters)
        _ = storage.advance()
        let b = Scalar(beta), oneMinusB = Scalar(1 - beta)
        for (index, parameter) in parameters.enumerated() {
            let w = parameter.value.base, g = parameter.gradient.base, v = storage.buffers[0][index].base
            if Scalar.self == Float.self {
                OptimizerKernels.momentum(weights: FloatKernels.floats(w), gradient: FloatKernels.floats(g),
                                      velocity: FloatKernels.floats(v), count: parameter.value.count,
                                      learningRate: Float(learningRate), beta: Float(b),
                                      oneMinusBeta: Float(oneMinusB))
                continue
            }
            for i in 0..<parameter.value.count {
                v[i] = b * v[i] + oneMinusB * g[i]
                w[i] -= learningRate * v[i]
            }
        }
    }

    public var state: OptimizerState { storage.state }

    public func restore(_ state: OptimizerState, for parameters: [Parameter<Scalar>]) throws {
        try storage.restore(state, for: parameters, optimizer: description)
    }

    public var description: String { "Momentum(β=\(beta))" }
}
