import ArgumentParser
import Backprop

// The functions in this file are the ONE place where `backprop train` turns its choices
// into library parts. Each says which choices it connects today; the library's
// Initializers/, Optimizers/, Schedules/ and Regularizers/ modules plug in here, and
// nowhere else in the command.

// MARK: - Data

/// The training and dev sets for `--data`: the examples generated from `seed`, then a
/// seeded shuffle holding out `devFraction` of them (at least one example) as the dev set.
func loadTrainingData(_ options: DataOptions, seed: UInt64) throws -> (training: Dataset<Float>, dev: Dataset<Float>?) {
    var random = RandomGenerator(seed: seed)
    let all: Dataset<Float>
    switch options.data {
    case .moons:
        all = try Dataset<Float>.twoMoons(count: options.examples, noise: options.noise, seed: random.next())
    }
    guard options.devFraction > 0 else { return (all, nil) }
    let order = random.permutation(all.count)
    let devCount = max(1, Int((Double(all.count) * options.devFraction).rounded()))
    return (all.subset(Array(order[devCount...])), all.subset(Array(order[..<devCount])))
}

// MARK: - Optimiser

/// The optimiser for `--optimizer`.
///
/// INTEGRATION POINT: `sgd` and `momentum` (EWA form, β = 0.9) use the interim rules below;
/// `nesterov`, `rmsprop`, `adam` and `adamw` map to the library's optimisers once they are
/// merged (replace the interim types and the `throw` by those constructors).
func makeOptimizer(_ choice: OptimizerChoice) throws -> any Optimizer<Float> {
    switch choice {
    case .sgd: return InterimGradientDescent<Float>()
    case .momentum: return InterimMomentum<Float>(beta: 0.9)
    case .nesterov, .rmsprop, .adam, .adamw:
        throw ValidationError("--optimizer \(choice.rawValue) is not available in this build yet; use sgd or momentum")
    }
}

// MARK: - Initialisation

/// Fills the weights of `network` for `--init`; biases stay 0, PReLU slopes and batch-norm
/// γ/β keep their construction values.
///
/// INTEGRATION POINT: `auto` (He N(0, 2/n_in) for relu, leaky-relu, prelu, elu and maxout,
/// LeCun N(0, 1/n_in) otherwise), `he` and `lecun` are implemented here; the other choices
/// map to the library's initialisers once merged.
func initializeNetwork(_ network: Sequential<Float>, choice: InitializerChoice, activation: HiddenActivation, random: inout RandomGenerator) throws {
    let gain: Double
    switch choice {
    case .auto: gain = activation.isReLUFamily ? 2 : 1
    case .he: gain = 2
    case .lecun: gain = 1
    case .xavier, .xavierSigmoid, .small, .orthogonal, .lsuv:
        throw ValidationError("--init \(choice.rawValue) is not available in this build yet; use auto, he or lecun")
    }
    for layer in network.layers {
        let weight: Parameter<Float>
        if let dense = layer as? Dense<Float> { weight = dense.weight }
        else if let maxout = layer as? Maxout<Float> { weight = maxout.weight }
        else { continue }
        let deviation = (gain / Double(weight.value.columns)).squareRoot()
        for i in 0..<weight.value.count { weight.value.base[i] = Float(random.normal(standardDeviation: deviation)) }
    }
}

extension HiddenActivation {
    /// ReLU-like activations, which take He initialisation.
    var isReLUFamily: Bool {
        switch self {
        case let .function(activation):
            switch activation {
            case .relu, .leakyReLU, .elu: true
            default: false
            }
        case .prelu, .maxout: true
        }
    }
}

// MARK: - Schedule

/// The schedule for `--schedule` plus any callback it needs.
///
/// INTEGRATION POINT: `constant` and `plateau` (constant α plus the plateau callback: halve
/// α after 10 epochs without a better dev cost, stop after a factor of 1024) work today;
/// the decaying schedules map to the library's schedules once merged.
func makeSchedule(_ choice: ScheduleChoice, learningRate: Double) throws -> (schedule: any LearningRateSchedule, callbacks: [any TrainingCallback<Float>]) {
    switch choice {
    case .constant:
        return (ConstantSchedule(learningRate), [])
    case .plateau:
        return (ConstantSchedule(learningRate), [PlateauCallback<Float>(monitor: .devCost, patience: 10, factor: 2, maximumReduction: 1024)])
    case .inverseTime, .exponential, .inverseSqrt, .step, .cosine:
        throw ValidationError("--schedule \(choice.rawValue) is not available in this build yet; use constant or plateau")
    }
}

// MARK: - Regulariser

/// The weight penalty for `--l2` and `--l1`.
///
/// INTEGRATION POINT: L2 works today; L1 and elastic net (both flags) map to the library's
/// regularisers once merged.
func makeRegularizer(l2: Double, l1: Double) throws -> (any Regularizer<Float>)? {
    switch (l2 > 0, l1 > 0) {
    case (false, false): return nil
    case (true, false): return L2<Float>(lambda: l2)
    case (_, true): throw ValidationError("--l1 is not available in this build yet; use --l2")
    }
}

// MARK: - Interim optimisers (replaced at integration)

/// Plain gradient descent `W ← W − α·dW` until the library's optimisers are connected.
final class InterimGradientDescent<Scalar: NetworkScalar>: Optimizer {
    private var step = 0

    func update(_ parameters: [Parameter<Scalar>], learningRate: Scalar) {
        step += 1
        for parameter in parameters {
            let w = parameter.value.base, g = parameter.gradient.base
            for i in 0..<parameter.value.count { w[i] -= learningRate * g[i] }
        }
    }

    var state: OptimizerState { OptimizerState(step: step) }

    func restore(_ state: OptimizerState, for parameters: [Parameter<Scalar>]) throws { step = state.step }

    var description: String { "sgd" }
}

/// Momentum in EWA form, `v = β·v + (1−β)·dW`, `W ← W − α·v`, until the library's
/// optimisers are connected.
final class InterimMomentum<Scalar: NetworkScalar>: Optimizer {
    let beta: Scalar
    private var velocities: [Matrix<Scalar>] = []
    private var step = 0

    init(beta: Scalar) { self.beta = beta }

    func update(_ parameters: [Parameter<Scalar>], learningRate: Scalar) {
        if velocities.count != parameters.count {
            velocities = parameters.map { Matrix(rows: $0.value.rows, columns: $0.value.columns) }
        }
        step += 1
        for index in parameters.indices {
            let parameter = parameters[index]
            let w = parameter.value.base, g = parameter.gradient.base, v = velocities[index].base
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
        guard let slot = state.slots["velocity"], slot.count == parameters.count,
              zip(slot, parameters).allSatisfy({ $0.count == $1.value.count }) else {
            throw NetworkError.invalidConfiguration("momentum state does not fit the \(parameters.count) parameters")
        }
        step = state.step
        velocities = zip(parameters, slot).map { parameter, values in
            Matrix(rows: parameter.value.rows, columns: parameter.value.columns, elements: values.map { Scalar($0) })
        }
    }

    var description: String { "momentum(β=\(beta))" }
}
