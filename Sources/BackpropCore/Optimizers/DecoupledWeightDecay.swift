/// Decoupled weight decay (Loshchilov & Hutter 2019): before the wrapped optimiser's step,
/// every regularised parameter (``Parameter/isRegularized``; never biases or batch-norm
/// parameters) shrinks by `W ← W − α·λ·W`.
///
/// Since the wrapped step does not depend on `W`, this equals the paper's
/// `W ← W − α·(step + λ·W)` with the decay scaled by the learning rate, as PyTorch's `AdamW`
/// does. Unlike L2 in the cost, the decay does not pass through Adam's adaptive scaling.
/// AdamW is `DecoupledWeightDecay(Adam(), decay: λ)`.
///
/// ```swift
/// let adamW = DecoupledWeightDecay(Adam<Float>(), decay: 0.01)
/// ```
public final class DecoupledWeightDecay<Scalar: NetworkScalar>: Optimizer {
    /// The optimiser that makes the gradient step.
    public let base: any Optimizer<Scalar>
    /// λ.
    public let decay: Double

    /// Decays by `decay` (λ ≥ 0), then updates with `base`.
    public init(_ base: any Optimizer<Scalar>, decay: Double) {
        precondition(decay >= 0 && decay.isFinite, "The weight decay λ must be non-negative, got \(decay)")
        self.base = base
        self.decay = decay
    }

    @_specialize(where Scalar == Float)
    public func update(_ parameters: [Parameter<Scalar>], learningRate: Scalar) {
        let factor = 1 - learningRate * Scalar(decay)
        for parameter in parameters where parameter.isRegularized {
            let w = parameter.value.base
            if Scalar.self == Float.self {
                OptimizerKernels.scale(FloatKernels.floats(w), count: parameter.value.count, by: Float(factor))
                continue
            }
            for i in 0..<parameter.value.count { w[i] *= factor }
        }
        base.update(parameters, learningRate: learningRate)
    }

    public var state: OptimizerState { base.state }

    public func restore(_ state: OptimizerState, for parameters: [Parameter<Scalar>]) throws {
        try base.restore(state, for: parameters)
    }

    public var description: String {
        base is Adam<Scalar> ? "AdamW(\(String(describing: base).dropFirst(5).dropLast()), λ=\(decay))" : "\(base) + decoupled decay(λ=\(decay))"
    }
}
