import Backprop
@testable import BackpropCore

/// Plain gradient descent `W ← W − α·dW`, for tests of the fit loop only.
final class TestSGD<Scalar: NetworkScalar>: Optimizer {
    private(set) var step = 0

    func update(_ parameters: [Parameter<Scalar>], learningRate: Scalar) {
        step += 1
        for parameter in parameters {
            let w = parameter.value.base, g = parameter.gradient.base
            for i in 0..<parameter.value.count { w[i] -= learningRate * g[i] }
        }
    }

    var state: OptimizerState { OptimizerState(step: step) }

    func restore(_ state: OptimizerState, for parameters: [Parameter<Scalar>]) throws { step = state.step }

    var description: String { "TestSGD" }
}

/// Momentum in its exponentially-weighted form, `v = β·v + (1−β)·dW`, `W ← W − α·v`,
/// for tests of the fit loop only.
final class TestMomentum<Scalar: NetworkScalar>: Optimizer {
    let beta: Scalar
    private var velocities: [Matrix<Scalar>] = []
    private(set) var step = 0

    init(beta: Scalar = 0.9) { self.beta = beta }

    func update(_ parameters: [Parameter<Scalar>], learningRate: Scalar) {
        if velocities.count != parameters.count {
            velocities = parameters.map { Matrix(rows: $0.value.rows, columns: $0.value.columns) }
        }
        step += 1
        for (parameter, velocity) in zip(parameters, velocities) {
            let w = parameter.value.base, g = parameter.gradient.base, v = velocity.base
            for i in 0..<parameter.value.count {
                v[i] = beta * v[i] + (1 - beta) * g[i]
                w[i] -= learningRate * v[i]
            }
        }
    }

    var state: OptimizerState {
        OptimizerState(step: step, slots: ["velocity": velocities.map { $0.elements.map(Double.init) }])
    }

    func restore(_ state: OptimizerState, for parameters: [Parameter<Scalar>]) throws {
        step = state.step
        velocities = zip(parameters, state.slots["velocity"] ?? []).map { parameter, values in
            Matrix(rows: parameter.value.rows, columns: parameter.value.columns, elements: values.map { Scalar($0) })
        }
    }

    var description: String { "TestMomentum(β=\(beta))" }
}

/// Scaled-normal initialisation for tests: the weights of `Dense` and `Maxout` layers get
/// N(0, gain/n_in) (gain 2 is He's, 1 LeCun's); biases, PReLU slopes and batch-norm
/// parameters keep their construction values.
func initializeForTests<Scalar: NetworkScalar>(_ network: Sequential<Scalar>, seed: UInt64, gain: Double = 2) {
    var random = RandomGenerator(seed: seed)
    for layer in network.layers {
        let weight: Parameter<Scalar>
        if let dense = layer as? Dense<Scalar> { weight = dense.weight }
        else if let maxout = layer as? Maxout<Scalar> { weight = maxout.weight }
        else { continue }
        let deviation = (gain / Double(weight.value.columns)).squareRoot()
        for i in 0..<weight.value.count { weight.value.base[i] = Scalar(random.normal(standardDeviation: deviation)) }
    }
}

/// Two moons as a `Float` or `Double` set.
func moons<Scalar: NetworkScalar>(_ count: Int = 300, noise: Double = 0.2, seed: UInt64 = 0) throws -> Dataset<Scalar> {
    try Dataset<Scalar>.twoMoons(count: count, noise: noise, seed: seed)
}
