import BackpropCore
import BackpropData

/// Everything that defines a training run, as plain values: the data and its preparation,
/// the network, the optimisation and the regularisation.
///
/// A recipe is what `backprop train` flags and config files describe (the keys of
/// ``keys`` mirror the flags), what a model folder records in `model.json`, and what
/// hyper-parameter search, cross-validation and ensembles vary. `TrainingRun` turns a
/// recipe into data, a network and a trainer.
///
/// Defaults train a small ReLU network on 1000 two-moons points in about a second.
public struct TrainingRecipe: Codable, Equatable, Sendable {
    // MARK: Data
    /// The `--data` specification (`DataSource`), as written.
    public var data: SettingText<DataSource> = "moons:n=1000"
    /// CSV: the target column by name or 0-based index; `nil` for the last column.
    public var targetColumn: String?
    /// CSV: the field separator.
    public var delimiter = ","
    /// CSV: the first line holds column names.
    public var hasHeader = true
    /// CSV/NumPy: the targets are real values.
    public var regression = false
    /// Train, dev and test shares; `nil` for the size-dependent defaults (see the BiasAndVariance article).
    public var split: SplitFractions?
    /// Keep class shares in every split.
    public var stratify = false
    /// The classes to keep (by name or index, in their new order) and the number of
    /// training examples; `nil` keeps everything.
    public var subset: DataSubset?
    /// Preprocessing fitted on the training part, in order. Read from a configuration, it
    /// starts with the pixel scaling: the one asked for (`scale`), or for image sources
    /// without one `x/255` (`DataSource.defaultPixelScale`, see ``pixelScaleByDefault``).
    public var preprocessing: [PreprocessingMethod] = []
    /// `true` when ``preprocessing`` starts with the images' default `x/255` because no
    /// `scale` was given; `nil` when the scaling was asked for or the data are not images.
    public var pixelScaleByDefault: Bool?
    /// Image augmentation per batch, or `nil`.
    public var augmentation: AugmentationOptions?

    // MARK: Network
    /// Layer sizes from input to output; `nil` for `[features, 16, 16, outputs]`.
    public var layers: [Int]?
    /// The hidden activation (`HiddenActivation.names`), as written.
    public var activation: SettingText<HiddenActivation> = "relu"
    /// Drop probability per hidden layer (one value for all; empty for none).
    public var dropout: [Double] = []
    /// σ of Gaussian noise added to the inputs in training.
    public var inputNoise = 0.0
    /// Batch normalisation in every hidden layer, and where.
    public var batchNorm: BatchNormPlacement?
    /// The batch-norm running-average momentum k; `nil` for 0.9.
    public var batchNormMomentum: Double?
    /// The batch-norm ε; `nil` for 1e-5.
    public var batchNormEpsilon: Double?
    /// The dropout style (`inverted`, `vanilla` or `alpha`); `nil` for inverted.
    public var dropoutStyle: DropoutStyle?
    /// Drop probability on the input features in training; `nil` for none.
    public var inputDropout: Double?
    /// The initialiser (`Initializer` names, or `auto` for the activation's default), as written.
    public var initializer: SettingText<InitializerChoice> = "auto"
    /// The loss: `softmax-ce`, `binary-ce` or `mse` (with sigmoid outputs for class labels,
    /// identity outputs for regression); `nil` for the default of the task.
    public var loss: LossKind?
    /// Label smoothing ε of a cross-entropy loss (`label-smoothing`, `0 ≤ ε < 1`): targets
    /// become `(1 − ε)·y + ε/K` for `softmax-ce`, `(1 − ε)·y + ε/2` for `binary-ce`; `nil` for
    /// none. Refused for `mse` and regression.
    public var labelSmoothing: Double?
    /// The output activation, when not the loss's own (`sigmoid` with `mse`: the textbook's
    /// learning-slowdown setting), as written; `nil` for the loss's own.
    public var outputActivation: SettingText<HiddenActivation>?
    /// How the biases start (`zeros`, `constant:v`, `normal:std`), as written; `nil` for zeros.
    public var biasInit: SettingText<BiasInitializer>?
    /// Allows a symmetric (zeros or constant) initialiser for hidden weights, to show the
    /// symmetry problem; `nil` or `false` refuses it.
    public var allowSymmetric: Bool?

    // MARK: Optimisation
    /// The optimiser with optional settings, e.g. `adam:beta2=0.99`, as written.
    public var optimizer: SettingText<OptimizerConfiguration> = "momentum"
    /// α. A configuration without `lr` takes the optimiser's usual value
    /// (`OptimizerName.defaultLearningRate`: 0.1 for the default momentum, 0.001 for Adam);
    /// setting ``optimizer`` in code leaves this as it is.
    public var learningRate = 0.1
    /// Examples per batch.
    public var batchSize = 32
    /// Passes over the training set.
    public var epochs = 100
    /// The schedule with optional settings, e.g. `step:every=10,factor=0.5`, as written.
    public var schedule: SettingText<ScheduleConfiguration> = "constant"
    /// Batches whose gradients are averaged before each optimiser step (effective batch
    /// `accumulate · batchSize`); `nil` for 1, a step after every batch.
    public var accumulate: Int?
    /// The decay d of the exponential moving average of the weights kept beside them
    /// (`WeightAverage`: `θ̄ ← d_t·θ̄ + (1 − d_t)·θ` after every update, `d_t = min(d, (1+t)/(10+t))`),
    /// evaluated every epoch and saved as a second model; `nil` for none.
    public var ema: Double?
    /// Save the model at the end of every cycle of the `cosine-restarts` schedule as a member
    /// of a snapshot ensemble (Huang et al. 2017); `nil` or `false` for none.
    public var snapshotEnsemble: Bool?

    // MARK: Regularisation
    /// L1 strength λ₁ (n = training-set size).
    public var l1 = 0.0
    /// L2 strength λ (n = training-set size).
    public var l2 = 0.0
    /// Max-norm bound c on each unit's incoming weights, or `nil`.
    public var maxNorm: Double?
    /// The perturbation size ε of adversarial training (fast gradient sign method), or `nil`
    /// for none; see ``adversarialTraining``.
    public var adversarial: Double?
    /// The weight of the clean batch's cost in adversarial training; `nil` for 0.5.
    public var adversarialWeight: Double?
    /// Early-stopping patience (growing stages such as `[10, 20, 50]`), or `nil`.
    public var earlyStopping: [Int]?
    /// What early stopping watches: `dev-cost` or `dev-accuracy` (the train metric when there
    /// is no dev set); `nil` for the cost.
    public var earlyStoppingMonitor: MonitoredMetric?

    // MARK: Computation

    /// The precision of the matrix products (`float32` or `bf16`: factors rounded to
    /// bfloat16, sums and everything else in float32; see `ProductPrecision`); `nil` for
    /// float32.
    public var precision: ProductPrecision?

    /// Seeds data generation, splits, initialisation, dropout and shuffles.
    public var seed: UInt64 = TrainingRecipe.defaultSeed

    /// The seed every command uses when none is given (`--seed`).
    public static let defaultSeed: UInt64 = 1

    /// A recipe with every default.
    public init() {}

    /// The loss in force: ``loss`` or the default for the task.
    public var lossKind: LossKind {
        loss ?? LossKind.defaultKind(regression: regression)
    }

    /// The output activation in force when it is not the loss's own; `nil` otherwise.
    /// - Throws: `NetworkError` when the text names `prelu` or `maxout`, which are layers.
    public func outputFunction() throws -> Activation? {
        guard let outputActivation else { return nil }
        guard case let .function(function) = outputActivation.value else {
            throw NetworkError.unusable(what: "output activation \(outputActivation.text)", reason: "only a function (\(Activation.registry.map(\.name).joined(separator: ", "))) can be an output activation")
        }
        return function
    }

    /// Adversarial training as the trainer takes it: perturbations of size ``adversarial``,
    /// the clean cost weighted by ``adversarialWeight`` (0.5 when `nil`); `nil` for none.
    public var adversarialTraining: AdversarialTraining? {
        adversarial.map { AdversarialTraining(epsilon: $0, cleanWeight: adversarialWeight ?? 0.5) }
    }

    /// The warm-restart schedule whose cycle ends a snapshot ensemble saves its members at.
    ///
    /// - Throws: `NetworkError.unusable(what:reason:)` unless the schedule is
    ///   `cosine-restarts` with its period in epochs.
    public func snapshotSchedule() throws -> CosineRestartsSchedule {
        let restarts = try? schedule.value.makeSchedule(initialLearningRate: learningRate, epochs: epochs) as? CosineRestartsSchedule
        guard let restarts, restarts.unit == .epochs else {
            throw NetworkError.unusable(
                what: "a snapshot ensemble", reason: "it saves a member at the end of every warm-restart cycle, so it needs --schedule cosine-restarts:period=N (cycles in epochs), not \(schedule.text)")
        }
        return restarts
    }

    /// The name of the loss in force.
    public var lossName: String { lossKind.rawValue }
}

extension TrainingRecipe {
    /// The pixel scaling in force and why, for the run header: `x/255 (the default for
    /// images; scale none keeps the raw values)`, `x/255 (asked: scale unit)`, `raw values
    /// (asked: scale none)`; `nil` for data that are not images and no scaling.
    public var pixelScaleSummary: String? {
        let asked = [PixelScale.mnist, .unit].first { $0.method == preprocessing.first }
        if pixelScaleByDefault == true { return "x/255 (the default for images; scale none keeps the raw 0–255 values)" }
        if let asked { return "\(asked.formula) (asked: scale \(asked.rawValue))" }
        return data.value.isImages ? "raw 0–255 values (asked: scale none)" : nil
    }
}
