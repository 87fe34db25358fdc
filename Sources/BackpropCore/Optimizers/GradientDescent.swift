/// Plain gradient descent: `W ← W − α·dW`.
///
/// Stateless apart from the step count.
///
/// ```swift
/// let optimizer = GradientDescent<Float>()
/// optimizer.update(network.parameters, learningRate: 0.1)
/// ```
public final class GradientDescent<Scalar: NetworkScalar>: Optimizer, EngineConfigurable {
    let storage = SlotStorage<Scalar>(slotNames: [])
    /// The engine of the update: ``ComputeEngine/default`` until set (a training loop hands
    /// it the network's engine). This update, bound by memory traffic, runs on one thread
    /// whatever the engine's thread count.
    public var engine = ComputeEngine.default

    /// Gradient descent; the learning rate comes with each update.
    public init() {}

    @_specialize(where Scalar == Float)
    public func update(_ parameters: [Parameter<Scalar>], learningRate: Scalar) {
        update(parameters, learningRate: learningRate, except: nil)
    }

    /// One update of `parameters` except `updatedElsewhere`, whose update the caller folded
    /// into its gradient's product; counts as one step of the whole list.
    @_specialize(where Scalar == Float)
    func update(_ parameters: [Parameter<Scalar>], learningRate: Scalar, except updatedElsewhere: Parameter<Scalar>?) {
        storage.prepare(for: parameters)
        _ = storage.advance()
        for parameter in parameters where parameter !== updatedElsewhere {
            let w = parameter.value.base, g = parameter.gradient.base
            if Scalar.self == Float.self {
                OptimizerKernels.gradientDescent(weights: FloatKernels.floats(w), gradient: FloatKernels.floats(g),
                                             count: parameter.value.count, learningRate: Float(learningRate))
                continue
            }
            for i in 0..<parameter.value.count { w[i] -= learningRate * g[i] }
        }
    }

    public var state: OptimizerState { storage.state }

    public func restore(_ state: OptimizerState, for parameters: [Parameter<Scalar>]) throws {
        try storage.restore(state, for: parameters, optimizer: description)
    }

    public var description: String { "SGD" }
}
