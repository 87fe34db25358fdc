/// RMSprop (Hinton 2012): `s ← β·s + (1−β)·dW²`, `W ← W − α·dW/(√s + ε)`
/// (β = 0.9, ε = 1e-8 by default; `s` starts at 0).
///
/// Each weight's step is divided by a running root-mean-square of its gradient. Slot:
/// `"squares"`.
public final class RMSprop<Scalar: NetworkScalar>: Optimizer {
    /// β, the decay of the squared-gradient average.
    public let beta: Double
    /// ε, added to the root mean square.
    public let epsilon: Double
    let storage = SlotStorage<Scalar>(slotNames: ["squares"])

    /// RMSprop with decay `beta` in `[0, 1)` and `epsilon` > 0.
    public init(beta: Double = 0.9, epsilon: Double = 1e-8) {
        precondition(beta >= 0 && beta < 1, "RMSprop β must lie in [0, 1), got \(beta)")
        precondition(epsilon > 0, "RMSprop ε must be positive, got \(epsilon)")
        self.beta = beta
        self.epsilon = epsilon
    }

    @_specialize(where Scalar == Float)
    public func update(_ parameters: [Parameter<Scalar>], learningRate: Scalar) {
        storage.prepare(for: parameters)
        _ = storage.advance()
        let b = Scalar(beta), oneMinusB = Scalar(1 - beta), eps = Scalar(epsilon)
        for (index, parameter) in parameters.enumerated() {
            let w = parameter.value.base, g = parameter.gradient.base, s = storage.buffers[0][index].base
            if Scalar.self == Float.self {
                OptimizerKernels.rmsprop(weights: FloatKernels.floats(w), gradient: FloatKernels.floats(g),
                                         meanSquare: FloatKernels.floats(s), count: parameter.value.count,
                                         learningRate: Float(learningRate), beta: Float(b),
                                         oneMinusBeta: Float(oneMinusB), epsilon: Float(eps))
                continue
            }
            for i in 0..<parameter.value.count {
                s[i] = b * s[i] + oneMinusB * g[i] * g[i]
                w[i] -= learningRate * g[i] / (s[i].squareRoot() + eps)
            }
        }
    }

    public var state: OptimizerState { storage.state }

    public func restore(_ state: OptimizerState, for parameters: [Parameter<Scalar>]) throws {
        try storage.restore(state, for: parameters, optimizer: description)
    }

    public var description: String { "RMSprop(β=\(beta), ε=\(epsilon))" }
}
