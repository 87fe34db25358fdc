/// What a callback asks of the loop at the end of an epoch.
public enum CallbackDecision: Sendable, Hashable {
    /// Go on training.
    case proceed
    /// Stop after this epoch, with a reason recorded in ``TrainingHistory/stopReason``.
    case stop(reason: String)
}

/// The running state of a training run, shared with callbacks.
///
/// Callbacks may read everything, change ``learningRateFactor`` (the plateau schedule does)
/// and change parameter values between epochs (restoring best weights does).
public final class TrainingContext<Scalar: NetworkScalar> {
    /// The network being trained.
    public let network: Sequential<Scalar>
    /// The optimiser applying the updates.
    public let optimizer: any Optimizer<Scalar>
    /// The batch plan of the run.
    public let plan: BatchPlan
    /// The history so far.
    public internal(set) var history: TrainingHistory
    /// The current epoch, counting from 1 (0 before the first).
    public internal(set) var epoch: Int = 0
    /// Updates applied so far.
    public internal(set) var step: Int = 0
    /// The generator of the per-epoch permutations.
    public internal(set) var shuffleGenerator: RandomGenerator
    /// Multiplies the schedule's α: `α_used = schedule(epoch, step) · factor`. Starts at 1.
    public var learningRateFactor: Double = 1
    /// The order of the training examples in the current epoch (reshuffled in place).
    public internal(set) var order: [Int] = []
    /// The callbacks whose state a snapshot carries.
    var resumableCallbacks: [any ResumableTrainingCallback<Scalar>] = []

    init(network: Sequential<Scalar>, optimizer: any Optimizer<Scalar>, plan: BatchPlan,
         history: TrainingHistory, shuffleGenerator: RandomGenerator) {
        self.network = network
        self.optimizer = optimizer
        self.plan = plan
        self.history = history
        self.shuffleGenerator = shuffleGenerator
    }

    /// A copy of everything needed to look at or resume the run at this point.
    public func snapshot() -> TrainingSnapshot {
        TrainingSnapshot(
            epoch: epoch, step: step, learningRateFactor: learningRateFactor,
            parameters: network.namedParameters.map { NamedValues(name: $0.name, values: $0.parameter.value.elementsAsDouble) },
            buffers: network.namedBuffers.map { NamedValues(name: $0.name, values: $0.value.elementsAsDouble) },
            optimizerState: optimizer.state,
            shuffleGeneratorState: shuffleGenerator.state,
            layerGeneratorStates: network.layers.enumerated().compactMap { index, layer in
                (layer as? any StochasticLayer).map { NamedGenerator(name: "layers.\(index)", state: $0.randomState) }
            },
            history: history,
            order: order,
            callbackStates: Dictionary(callbackStateKeys.map { ($0.key, $0.callback.checkpointState()) }, uniquingKeysWith: { first, _ in first }))
    }
}

/// A named tensor's values (row-major), stored as `Double`.
public struct NamedValues: Sendable, Hashable, Codable {
    /// The network name, e.g. `layers.0.weight`.
    public var name: String
    /// The values in row-major order.
    public var values: [Double]

    /// Creates a value from its parts.
    public init(name: String, values: [Double]) {
        self.name = name
        self.values = values
    }
}

/// A named generator state (a noise layer's).
public struct NamedGenerator: Sendable, Hashable, Codable {
    /// The layer's network name, e.g. `layers.2`.
    public var name: String
    /// The four xoshiro256** state words.
    public var state: [UInt64]

    /// Creates a value from its parts.
    public init(name: String, state: [UInt64]) {
        self.name = name
        self.state = state
    }
}

/// The state of a run at the end of an epoch: weights, buffers, optimiser state, generator
/// states and history — what a checkpoint stores.
public struct TrainingSnapshot: Sendable, Equatable, Codable {
    /// Completed epochs.
    public var epoch: Int
    /// Updates applied.
    public var step: Int
    /// The plateau factor on α.
    public var learningRateFactor: Double
    /// Every parameter by its network name.
    public var parameters: [NamedValues]
    /// Every buffer (batch-norm running statistics) by its network name.
    public var buffers: [NamedValues]
    /// The optimiser's moments and step count.
    public var optimizerState: OptimizerState
    /// The permutation generator.
    public var shuffleGeneratorState: [UInt64]
    /// The generators of dropout and noise layers.
    public var layerGeneratorStates: [NamedGenerator]
    /// The history up to this point.
    public var history: TrainingHistory
    /// The order of the training examples in the latest epoch (the next shuffle permutes it).
    public var order: [Int]
    /// The state of every ``ResumableTrainingCallback``, keyed `<position>.<checkpointKey>`.
    public var callbackStates: [String: CallbackState]

    /// Creates a value from its parts.
    public init(epoch: Int, step: Int, learningRateFactor: Double, parameters: [NamedValues], buffers: [NamedValues], optimizerState: OptimizerState, shuffleGeneratorState: [UInt64], layerGeneratorStates: [NamedGenerator], history: TrainingHistory, order: [Int], callbackStates: [String: CallbackState]) {
        self.epoch = epoch
        self.step = step
        self.learningRateFactor = learningRateFactor
        self.parameters = parameters
        self.buffers = buffers
        self.optimizerState = optimizerState
        self.shuffleGeneratorState = shuffleGeneratorState
        self.layerGeneratorStates = layerGeneratorStates
        self.history = history
        self.order = order
        self.callbackStates = callbackStates
    }
}

/// Hooks into the training loop. Every method has a default that does nothing.
///
/// Order per epoch: `batchDidEnd` after every update, then `epochDidEnd` after the epoch's
/// evaluation; training stops after the epoch when any callback returns `.stop`.
/// `trainingDidEnd` runs once at the end, however training ended (except by an error).
public protocol TrainingCallback<Scalar>: AnyObject {
    associatedtype Scalar: NetworkScalar

    /// Before the first epoch.
    func trainingWillBegin(_ context: TrainingContext<Scalar>) throws
    /// After each update; `cost` is the batch cost, penalty included.
    func batchDidEnd(_ context: TrainingContext<Scalar>, batch: Int, cost: Double) throws
    /// After each epoch's evaluation, with its record (already in the history).
    func epochDidEnd(_ context: TrainingContext<Scalar>, record: EpochRecord) throws -> CallbackDecision
    /// After the last epoch.
    func trainingDidEnd(_ context: TrainingContext<Scalar>) throws
    /// Whether ``batchDidEnd(_:batch:cost:)`` reads parameter gradients (default `true`).
    /// While no callback does, ``Trainer`` lets plain gradient descent fold the first layer's
    /// update into its weight-gradient product on every batch but an epoch's last, which
    /// leaves that one gradient unwritten (``TrainingStep/foldsFirstLayerDescent``); at
    /// `epochDidEnd` every gradient is the last batch's either way.
    var readsGradientsAfterEachBatch: Bool { get }
}

extension TrainingCallback {
    public func trainingWillBegin(_ context: TrainingContext<Scalar>) throws {}
    public func batchDidEnd(_ context: TrainingContext<Scalar>, batch: Int, cost: Double) throws {}
    public func epochDidEnd(_ context: TrainingContext<Scalar>, record: EpochRecord) throws -> CallbackDecision { .proceed }
    public func trainingDidEnd(_ context: TrainingContext<Scalar>) throws {}
    public var readsGradientsAfterEachBatch: Bool { true }
}

/// A callback made of closures, for printing progress or ad-hoc logic.
///
/// ```swift
/// let progress = ClosureCallback<Float>(onEpochEnd: { _, record in
///     print(record.epoch, record.trainCost); return .proceed
/// })
/// ```
public final class ClosureCallback<Scalar: NetworkScalar>: TrainingCallback {
    private let onBatchEnd: ((TrainingContext<Scalar>, Int, Double) throws -> Void)?
    private let onEpochEnd: ((TrainingContext<Scalar>, EpochRecord) throws -> CallbackDecision)?

    /// Calls `onBatchEnd(context, batch, cost)` after each update and
    /// `onEpochEnd(context, record)` after each epoch.
    public init(onBatchEnd: ((TrainingContext<Scalar>, Int, Double) throws -> Void)? = nil,
                onEpochEnd: ((TrainingContext<Scalar>, EpochRecord) throws -> CallbackDecision)? = nil) {
        self.onBatchEnd = onBatchEnd
        self.onEpochEnd = onEpochEnd
    }

    public func batchDidEnd(_ context: TrainingContext<Scalar>, batch: Int, cost: Double) throws {
        try onBatchEnd?(context, batch, cost)
    }

    public func epochDidEnd(_ context: TrainingContext<Scalar>, record: EpochRecord) throws -> CallbackDecision {
        try onEpochEnd?(context, record) ?? .proceed
    }

    /// `true` when there is an `onBatchEnd` closure, which may read them.
    public var readsGradientsAfterEachBatch: Bool { onBatchEnd != nil }
}

/// When a run saves a ``TrainingSnapshot``: every `interval` epochs and after the last epoch
/// (all epochs done or a callback stopped the run), and after epoch `alsoAfter` when the
/// run goes on past it. An interval of 0 saves only after `alsoAfter`.
///
/// Its ``handler(epochs:save:)`` is the `epochCompleted` argument of
/// ``Trainer/fit(_:validation:callbacks:resumingFrom:epochCompleted:)``: snapshots taken
/// there resume exactly (`Checkpoint.writer(recipe:into:schedule:)` of BackpropModelFiles writes them to disk).
///
/// ```swift
/// try trainer.fit(training, epochCompleted: CheckpointSchedule(every: 5).handler(epochs: 100) { snapshot in try store(snapshot) })
/// ```
public struct CheckpointSchedule: Sendable, Hashable {
    /// Epochs between snapshots (0: none but `alsoAfter`).
    public let interval: Int
    /// One more epoch to save after, when the run is not finished by then.
    public let alsoAfter: Int?

    /// Snapshots every `interval` epochs (≥ 0) and after `alsoAfter`.
    public init(every interval: Int, alsoAfter: Int? = nil) {
        precondition(interval >= 0, "A checkpoint interval must be 0 or more epochs, got \(interval)")
        self.interval = interval
        self.alsoAfter = alsoAfter
    }

    /// `true` when a snapshot is due after `epoch`; `finished` says the run ends there.
    public func isDue(epoch: Int, finished: Bool) -> Bool {
        (interval > 0 && (epoch % interval == 0 || finished)) || (epoch == alsoAfter && !finished)
    }

    /// An `epochCompleted` handler for a run of `epochs` epochs calling `save` whenever a
    /// snapshot is due.
    public func handler<Scalar: NetworkScalar>(
        epochs: Int, save: @escaping (TrainingSnapshot) throws -> Void
    ) -> (TrainingContext<Scalar>) throws -> Void {
        { context in
            let finished = context.history.stopReason != nil || context.epoch >= epochs
            if isDue(epoch: context.epoch, finished: finished) { try save(context.snapshot()) }
        }
    }
}
