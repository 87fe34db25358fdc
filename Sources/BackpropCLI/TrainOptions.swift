import Foundation
import ArgumentParser
import Backprop

// MARK: - Choices

/// `--data`: where the examples come from.
enum DataChoice: String, ExpressibleByArgument, CaseIterable {
    case moons
}

/// `--optimizer`: the update rule.
enum OptimizerChoice: String, ExpressibleByArgument, CaseIterable {
    case sgd, momentum, nesterov, rmsprop, adam, adamw
}

/// `--init`: the weight initialisation.
enum InitializerChoice: String, ExpressibleByArgument, CaseIterable {
    /// He N(0, 2/n_in) for the ReLU family, LeCun N(0, 1/n_in) otherwise.
    case auto
    case he
    case lecun
    case xavier
    case xavierSigmoid = "xavier-sigmoid"
    case small
    case orthogonal
    case lsuv
}

/// `--schedule`: the learning rate over time.
enum ScheduleChoice: String, ExpressibleByArgument, CaseIterable {
    case constant
    /// Hold α, halve it when the dev cost stalls, stop after a total factor of 1024.
    case plateau
    case inverseTime = "inverse-time"
    case exponential
    case inverseSqrt = "inverse-sqrt"
    case step
    case cosine
}

/// A comma-separated list of layer sizes such as `2,16,16,2`.
struct LayerSizes: ExpressibleByArgument, Equatable {
    var sizes: [Int]

    init(_ sizes: [Int]) { self.sizes = sizes }

    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count >= 2, parts.allSatisfy({ ($0 ?? 0) >= 1 }) else { return nil }
        sizes = parts.map { $0! }
    }

    var defaultValueDescription: String { sizes.map(String.init).joined(separator: ",") }
}

/// A comma-separated list of probabilities such as `0.2` or `0.1,0.3`.
struct ProbabilityList: ExpressibleByArgument, Equatable {
    var values: [Double]

    init(_ values: [Double]) { self.values = values }

    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0.map { $0 >= 0 && $0 < 1 } ?? false }) else { return nil }
        values = parts.map { $0! }
    }

    var defaultValueDescription: String { values.map { "\($0)" }.joined(separator: ",") }
}

/// One patience (`10`) or growing stages (`10,20,50`) for `--early-stopping`.
struct PatienceStages: ExpressibleByArgument, Equatable {
    var stages: [Int]

    init(_ stages: [Int]) { self.stages = stages }

    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { return nil }
        stages = parts.map { $0! }
    }

    var defaultValueDescription: String { stages.map(String.init).joined(separator: ",") }
}

// MARK: - Option groups

/// Data options of `backprop train`.
struct DataOptions: ParsableArguments {
    @Option(help: "The data set.")
    var data: DataChoice = .moons

    @Option(help: "Examples to generate (synthetic data).")
    var examples: Int = 1000

    @Option(help: "Noise σ of synthetic data.")
    var noise: Double = 0.2

    @Option(name: .customLong("dev-fraction"), help: "Fraction of the examples held out as the dev set (0 for none).")
    var devFraction: Double = 0.2

    func validate() throws {
        guard examples >= 4 else { throw ValidationError("--examples must be at least 4, got \(examples)") }
        guard noise >= 0, noise.isFinite else { throw ValidationError("--noise must be non-negative, got \(noise)") }
        guard devFraction >= 0, devFraction < 1 else { throw ValidationError("--dev-fraction must lie in [0, 1), got \(devFraction)") }
    }
}

/// Network options of `backprop train`.
struct NetworkOptions: ParsableArguments {
    @Option(help: "Layer sizes from input to output, comma-separated.")
    var layers = LayerSizes([2, 16, 16, 2])

    @Option(help: ArgumentHelp("Hidden-layer activation.", valueName: HiddenActivation.names.joined(separator: "|")))
    var activation: String = "relu"

    @Option(help: "Drop probability per hidden layer, comma-separated, or one for all (0 ≤ p < 1).")
    var dropout: ProbabilityList?

    @Option(name: .customLong("input-noise"), help: "σ of Gaussian noise added to the inputs in training (0 for none).")
    var inputNoise: Double = 0

    @Flag(name: .customLong("batch-norm"), help: "Batch normalisation in every hidden layer.")
    var batchNorm = false

    @Option(name: .customLong("batch-norm-placement"), help: "Batch norm before or after the activation.")
    var batchNormPlacement: BatchNormPlacement = .beforeActivation

    @Option(name: .customLong("init"), help: "Weight initialisation (auto: He for the ReLU family, LeCun otherwise).")
    var initializer: InitializerChoice = .auto

    /// The parsed hidden activation.
    var hiddenActivation: HiddenActivation {
        get throws {
            guard let value = HiddenActivation(name: activation) else {
                throw ValidationError("--activation '\(activation)' is not one of \(HiddenActivation.names.joined(separator: ", "))")
            }
            return value
        }
    }

    func validate() throws {
        _ = try hiddenActivation
        guard inputNoise >= 0, inputNoise.isFinite else { throw ValidationError("--input-noise must be non-negative, got \(inputNoise)") }
        let hidden = layers.sizes.count - 2
        if let dropout, dropout.values.count > 1, dropout.values.count != hidden {
            throw ValidationError("--dropout has \(dropout.values.count) values but --layers \(layers.defaultValueDescription) has \(hidden) hidden layers; give one value or one per hidden layer")
        }
    }
}

extension BatchNormPlacement: ExpressibleByArgument {}

/// Optimisation options of `backprop train`.
struct OptimizationOptions: ParsableArguments {
    @Option(help: "The update rule.")
    var optimizer: OptimizerChoice = .momentum

    @Option(name: .customLong("lr"), help: "The learning rate α.")
    var learningRate: Double = 0.1

    @Option(name: .customLong("batch-size"), help: "Examples per batch (the training-set size for batch gradient descent, 1 for stochastic).")
    var batchSize: Int = 32

    @Option(help: "Passes over the training set.")
    var epochs: Int = 100

    @Option(help: "The learning-rate schedule.")
    var schedule: ScheduleChoice = .constant

    func validate() throws {
        guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--lr must be a positive number, got \(learningRate)") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
    }
}

/// Regularisation options of `backprop train`.
struct RegularizationOptions: ParsableArguments {
    @Option(help: "L2 strength λ (penalty (λ/2n)·Σ‖W‖², n = training-set size).")
    var l2: Double = 0

    @Option(help: "L1 strength λ (penalty (λ/n)·Σ|w|).")
    var l1: Double = 0

    @Option(name: .customLong("early-stopping"), help: ArgumentHelp(
        "Stop after this many epochs without a better dev cost and restore the best weights; a list such as 10,20,50 lets the patience grow after late improvements.",
        valueName: "patience"))
    var earlyStopping: PatienceStages?

    func validate() throws {
        guard l2 >= 0, l2.isFinite else { throw ValidationError("--l2 must be non-negative, got \(l2)") }
        guard l1 >= 0, l1.isFinite else { throw ValidationError("--l1 must be non-negative, got \(l1)") }
        if let earlyStopping, earlyStopping.stages.contains(where: { $0 < 1 }) {
            throw ValidationError("--early-stopping needs patience of at least 1 epoch, got \(earlyStopping.defaultValueDescription)")
        }
    }
}
