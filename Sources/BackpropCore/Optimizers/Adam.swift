import RealModule

/// Adam (Kingma & Ba 2015), with bias correction always on:
///
/// `v ← β1·v + (1−β1)·dW`, `s ← β2·s + (1−β2)·dW²`, `v̂ = v/(1−β1^t)`, `ŝ = s/(1−β2^t)`,
/// `W ← W − α·v̂/(√ŝ + ε)`,
///
/// with `t` the update number from 1 and defaults β1 = 0.9, β2 = 0.999, ε = 1e-8. ε is added
/// to `√ŝ`, as in the paper. Moments below the smallest normal magnitude are set to zero
/// (they would otherwise decay into slow subnormal numbers for units whose gradient stays
/// zero). `Float` parameters are updated in the equivalent form
/// `W ← W − (α/(1−β1^t))·v/(√s/√(1−β2^t) + ε)`, vectorised. Slots: `"firstMoment"` (v) and `"secondMoment"` (s).
///
/// ```swift
/// let optimizer = Adam<Float>()
/// optimizer.update(network.parameters, learningRate: 0.001)
/// ```
public final class Adam<Scalar: NetworkScalar>: Optimizer, EngineConfigurable {
    /// β1, the decay of the gradient average.
    public let beta1: Double
    /// β2, the decay of the squared-gradient average.
    public let beta2: Double
    /// ε, added to `√ŝ`.
    public let epsilon: Double
    let storage = SlotStorage<Scalar>(slotNames: ["firstMoment", "secondMoment"])
    /// The threads of the element-wise update: ``ComputeEngine/default`` until set (a
    /// training loop hands it the network's engine).
    public var engine = ComputeEngine.default

    /// Adam with decays `beta1`, `beta2` in `[0, 1)` and `epsilon` > 0.
    public init(beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
        precondition(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "Adam β1 and β2 must lie in [0, 1), got \(beta1), \(beta2)")
        precondition(epsilon > 0, "Adam ε must be positive, got \(epsilon)")
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    @_specialize(where Scalar == Float)
    public func update(_ parameters: [Parameter<Scalar>], learningRate: Scalar) {
        storage.prepare(for: parameters)
        let t = storage.advance()
        let correction1 = Scalar(1 - Double.pow(beta1, t)), correction2 = Scalar(1 - Double.pow(beta2, t))
        let b1 = Scalar(beta1), oneMinusB1 = Scalar(1 - beta1)
        let b2 = Scalar(beta2), oneMinusB2 = Scalar(1 - beta2), eps = Scalar(epsilon)
        for (index, parameter) in parameters.enumerated() {
            let w = parameter.value.base, g = parameter.gradient.base
            let v = storage.buffers[0][index].base, s = storage.buffers[1][index].base
            if Scalar.self == Float.self {
                OptimizerKernels.adam(
                    weights: FloatKernels.floats(w), gradient: FloatKernels.floats(g),
                    firstMoment: FloatKernels.floats(v), secondMoment: FloatKernels.floats(s),
                    count: parameter.value.count, learningRate: Float(learningRate), beta1: Float(b1),
                    oneMinusBeta1: Float(oneMinusB1), beta2: Float(b2), oneMinusBeta2: Float(oneMinusB2),
                    correction1: Float(correction1), correction2: Float(correction2), epsilon: Float(eps),
                    engine: engine)
                continue
            }
            for i in 0..<parameter.value.count {
                v[i] = b1 * v[i] + oneMinusB1 * g[i]
                s[i] = b2 * s[i] + oneMinusB2 * g[i] * g[i]
                let vHat = v[i] / correction1, sHat = s[i] / correction2
                w[i] -= learningRate * vHat / (sHat.squareRoot() + eps)
            }
        }
    }

    public var state: OptimizerState { storage.state }

    public func restore(_ state: OptimizerState, for parameters: [Parameter<Scalar>]) throws {
        try storage.restore(state, for: parameters, optimizer: description)
    }

    public var description: String { "Adam(β1=\(beta1), β2=\(beta2), ε=\(epsilon))" }
}
