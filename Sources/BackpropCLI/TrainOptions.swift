import Foundation
import ArgumentParser
import Backprop

// MARK: - Values

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

/// Network options of `backprop train`. Every option is optional: a value given here
/// overrides the config file, which overrides the defaults of ``TrainingRecipe``.
struct ArchitectureOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Layer sizes from input to output, comma-separated (default: features,16,16,classes).", valueName: "sizes"))
    var layers: LayerSizes?

    @Option(help: ArgumentHelp("Hidden-layer activation (\(HiddenActivation.choiceList); default: relu); options as name:key=value, e.g. leaky-relu:alpha=0.1.", valueName: "activation"),
            transform: HiddenActivation.textArgument)
    var activation: SettingText<HiddenActivation>?

    @Option(help: ArgumentHelp("Drop probability per hidden layer, comma-separated, or one for all (0 ≤ p < 1).", valueName: "p"))
    var dropout: ProbabilityList?

    @Option(name: .customLong("input-noise"), help: ArgumentHelp("σ of Gaussian noise added to the inputs in training.", valueName: "σ"))
    var inputNoise: Double?

    @Option(name: .customLong("batch-norm"), help: ArgumentHelp("Batch normalisation in every hidden layer: before or after the activation.", valueName: "placement"))
    var batchNorm: BatchNormPlacement?

    @Option(name: .customLong("init"), help: ArgumentHelp(
        "Weight initialisation (\(InitializerChoice.choiceList); default: auto, which is He for the ReLU family, GELU and SiLU, LeCun for SELU, Xavier for tanh, Xavier×4 for sigmoid, and Xavier for the output layer whatever the hidden activation, as no activation follows it before the loss); options as name:key=value.",
        valueName: "scheme"), transform: InitializerChoice.textArgument)
    var initializer: SettingText<InitializerChoice>?

    @Option(help: ArgumentHelp("Loss computed from the logits (\(LossKind.choiceList); default: softmax-ce, mse for regression).", valueName: "loss"),
            transform: LossKind.argument)
    var loss: LossKind?

    @Option(name: .customLong("label-smoothing"), help: ArgumentHelp(
        "Label smoothing ε of softmax-ce and binary-ce (0 ≤ ε < 1; default 0): targets (1 − ε)·y + ε/K over K classes, (1 − ε)·y + ε/2 for binary-ce. Refused with mse and regression.",
        valueName: "ε"))
    var labelSmoothing: Double?

    @Option(name: .customLong("output-activation"), help: ArgumentHelp(
        "Output activation when not the loss's own (mse only: e.g. sigmoid with --loss mse, the learning-slowdown experiment).",
        valueName: "activation"), transform: HiddenActivation.textArgument)
    var outputActivation: SettingText<HiddenActivation>?

    @Option(name: .customLong("bias-init"), help: ArgumentHelp(
        "Bias initialisation (\(BiasInitializer.choiceList); default: zeros): constant:v or normal:std.", valueName: "scheme"),
            transform: BiasInitializer.textArgument)
    var biasInit: SettingText<BiasInitializer>?

    @Option(name: .customLong("batch-norm-momentum"), help: ArgumentHelp("Running-average momentum k of the batch-norm layers, in [0, 1) (default: 0.9).", valueName: "k"))
    var batchNormMomentum: Double?

    @Option(name: .customLong("batch-norm-epsilon"), help: ArgumentHelp("The ε of batch norm's √(σ² + ε) (default: 1e-5).", valueName: "ε"))
    var batchNormEpsilon: Double?

    @Option(name: .customLong("input-dropout"), help: ArgumentHelp("Drop probability on the input features in training (0 ≤ p < 1; keep it small: 0 – 0.2).", valueName: "p"))
    var inputDropout: Double?

    @Option(name: .customLong("dropout-style"), help: ArgumentHelp(
        "inverted (default: kept features ÷ p in training), vanilla (no scaling in training, × p at test time) or alpha (for SELU: dropped features set to −λα, then an affine map keeping mean 0 and variance 1; identity at test time).", valueName: "style"))
    var dropoutStyle: DropoutStyle?

    @Flag(name: .customLong("allow-symmetric"), help: "Allow zeros or constant --init for hidden weights (the symmetry problem: every unit stays identical).")
    var allowSymmetric = false

    func validate() throws {
        if let inputNoise, !(inputNoise >= 0 && inputNoise.isFinite) { throw ValidationError("--input-noise must be non-negative, got \(inputNoise)") }
    }
}

extension BatchNormPlacement: ExpressibleByArgument {}
extension DropoutStyle: ExpressibleByArgument {}
extension ProductPrecision: ExpressibleByArgument {}

/// The metrics `--early-stopping-monitor` accepts.
enum EarlyStoppingMonitor: String, ExpressibleByArgument, CaseIterable {
    case devCost = "dev-cost"
    case devAccuracy = "dev-accuracy"
}

/// Optimisation options of `backprop train`.
struct OptimizationOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The update rule (\(OptimizerConfiguration.choiceList); default: momentum); settings as name:key=value, e.g. adam:beta2=0.99,clip-norm=5.",
        valueName: "rule"), transform: OptimizerConfiguration.textArgument)
    var optimizer: SettingText<OptimizerConfiguration>?

    @Option(name: .customLong("lr"), help: "The learning rate α (default: the optimiser's, 0.1 for sgd and momentum, 0.01 for classical-momentum and nesterov, 0.001 for rmsprop, adam and adamw).")
    var learningRate: Double?

    @Option(name: .customLong("batch-size"), help: "Examples per batch (the training-set size for batch gradient descent, 1 for stochastic; default: 32).")
    var batchSize: Int?

    @Option(help: "Passes over the training set (default: 100).")
    var epochs: Int?

    @Option(help: ArgumentHelp(
        "The learning-rate schedule (\(ScheduleConfiguration.choiceList); default: constant); settings as name:key=value, e.g. step:every=10,factor=0.5.",
        valueName: "schedule"), transform: ScheduleConfiguration.textArgument)
    var schedule: SettingText<ScheduleConfiguration>?

    @Option(help: ArgumentHelp(
        "Average the gradients of N consecutive batches before each optimiser step (effective batch N × --batch-size; an epoch's last step takes the batches left over; schedules count steps; default: 1).",
        valueName: "N"))
    var accumulate: Int?

    @Option(help: ArgumentHelp(
        "Keep an exponential moving average of the weights with decay d in [0, 1), e.g. 0.999 (d_t = min(d, (1+t)/(10+t)) after update t; batch-norm statistics averaged too): its dev metrics are shown every epoch and it is saved as a second model in OUT/ema/ (default: off).",
        valueName: "d"))
    var ema: Double?

    @Option(help: ArgumentHelp(
        "Precision of the matrix products: float32 (default) or bf16 (factors rounded to bfloat16, sums and weights in float32; needs a CPU with AVX-512 BF16, see backprop info).",
        valueName: "float32|bf16"))
    var precision: ProductPrecision?

    func validate() throws {
        if let learningRate, !(learningRate > 0 && learningRate.isFinite) { throw ValidationError("--lr must be a positive number, got \(learningRate)") }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if let accumulate, accumulate < 1 { throw ValidationError("--accumulate must be at least 1 batch, got \(accumulate)") }
        if let ema, !(ema >= 0 && ema < 1) { throw ValidationError("--ema must lie in [0, 1), got \(ema)") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        if let schedule {
            let rule = optimizer?.value.name ?? TrainingRecipe().optimizer.value.name
            do { try schedule.value.validate(initialLearningRate: learningRate ?? rule.defaultLearningRate, epochs: epochs ?? 100) } catch {
                throw ValidationError("--schedule: \(error)")
            }
        }
    }
}

/// Regularisation options of `backprop train`.
struct RegularizationOptions: ParsableArguments {
    @Option(help: "L2 strength λ (penalty (λ/2n)·Σ‖W‖², n = training-set size).")
    var l2: Double?

    @Option(help: "L1 strength λ (penalty (λ/n)·Σ|w|); with --l2 too, elastic net.")
    var l1: Double?

    @Option(name: .customLong("max-norm"), help: ArgumentHelp("Clamp each unit's incoming weight vector to ‖w‖₂ ≤ c after every update.", valueName: "c"))
    var maxNorm: Double?

    @Option(help: ArgumentHelp(
        "Adversarial training: every batch also trains on itself moved by ε·sign(∂J/∂x), the fast gradient sign method (ε in units of the preprocessed inputs, e.g. 0.1 for images scaled to [0, 1]; about twice the time per step).",
        valueName: "ε"))
    var adversarial: Double?

    @Option(name: .customLong("adversarial-weight"), help: ArgumentHelp(
        "With --adversarial: the weight w of the clean batch's cost; the perturbed batch's gets 1 − w (default: 0.5).", valueName: "w"))
    var adversarialWeight: Double?

    @Option(name: .customLong("early-stopping"), help: ArgumentHelp(
        "Stop after this many epochs without a better dev cost and restore the best weights; a list such as 10,20,50 lets the patience grow after late improvements.",
        valueName: "patience"))
    var earlyStopping: PatienceStages?

    @Option(name: .customLong("early-stopping-monitor"), help: ArgumentHelp(
        "What --early-stopping watches: dev-cost (default) or dev-accuracy (the train metric without a dev set).", valueName: "metric"))
    var earlyStoppingMonitor: EarlyStoppingMonitor?

    func validate() throws {
        if let l2, !(l2 >= 0 && l2.isFinite) { throw ValidationError("--l2 must be non-negative, got \(l2)") }
        if let l1, !(l1 >= 0 && l1.isFinite) { throw ValidationError("--l1 must be non-negative, got \(l1)") }
        if let maxNorm, !(maxNorm > 0 && maxNorm.isFinite) { throw ValidationError("--max-norm must be positive, got \(maxNorm)") }
        if let adversarial, !(adversarial > 0 && adversarial.isFinite) { throw ValidationError("--adversarial must be positive, got \(adversarial)") }
        if let adversarialWeight, !(adversarialWeight >= 0 && adversarialWeight <= 1) {
            throw ValidationError("--adversarial-weight must lie in [0, 1], got \(adversarialWeight)")
        }
        if let earlyStopping, earlyStopping.stages.contains(where: { $0 < 1 }) {
            throw ValidationError("--early-stopping needs patience of at least 1 epoch, got \(earlyStopping.defaultValueDescription)")
        }
    }
}
