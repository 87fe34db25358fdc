/// The settings of a training run that are not parts (network, loss, optimiser, schedule).
///
/// Defaults: 10 epochs, batch 32, seed 0, penalty count `n` = training-set size,
/// evaluation chunks of 1024 rows, training metrics as running means over each epoch's
/// batches, NaN/Inf checks on, one optimiser step per batch (no gradient accumulation), no
/// adversarial training.
public struct TrainingOptions: Sendable, Hashable, Codable {
    /// Passes over the training set.
    public var epochs: Int
    /// Examples per batch: the set size for batch GD, 1 for stochastic GD.
    public var batchSize: Int
    /// Seeds the generator of the per-epoch permutations.
    public var seed: UInt64
    /// The `n` of the weight penalties (see the Regularization article); `nil` means the training-set size.
    public var penaltyExampleCount: Int?
    /// Rows per chunk when evaluating a set.
    public var evaluationBatchSize: Int
    /// When `true` the train cost and accuracy of an epoch are measured on the whole
    /// training set in inference mode after the epoch (a forward pass over every example);
    /// when `false` (the default) they are running means over the epoch's batches, as Keras
    /// reports them: the mean of the batch costs and the share of the epoch's examples
    /// predicted correctly by their batch's training-mode forward pass (see ``Trainer``).
    public var evaluatesTrainingSet: Bool
    /// Check the cost and every gradient for NaN/Inf before each update.
    public var checksFiniteValues: Bool
    /// Batches whose gradients are averaged (weighted by their rows) before one optimiser
    /// step: `N` batches of `b` examples make one step of effective batch `N·b`. An epoch's
    /// batches are grouped in order; the last group holds the `batchesPerEpoch mod N`
    /// batches left over, when that is not 0, and makes a step of its own (groups never
    /// span two epochs). Schedules, the weight average and ``TrainingContext/step`` count
    /// optimiser steps. 1 (the default) steps after every batch.
    public var accumulationSteps: Int
    /// Train every batch also on its fast-gradient-sign perturbation (see
    /// ``AdversarialTraining``); `nil` for plain training. The epoch's running train cost is
    /// then the weighted cost `J̃` the steps minimise, the running accuracy that of the clean
    /// passes.
    public var adversarialTraining: AdversarialTraining?

    /// Options with the defaults above unless given.
    public init(epochs: Int = 10, batchSize: Int = 32, seed: UInt64 = 0, penaltyExampleCount: Int? = nil,
                evaluationBatchSize: Int = 1024, evaluatesTrainingSet: Bool = false, checksFiniteValues: Bool = true,
                accumulationSteps: Int = 1, adversarialTraining: AdversarialTraining? = nil) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.seed = seed
        self.penaltyExampleCount = penaltyExampleCount
        self.evaluationBatchSize = evaluationBatchSize
        self.evaluatesTrainingSet = evaluatesTrainingSet
        self.checksFiniteValues = checksFiniteValues
        self.accumulationSteps = accumulationSteps
        self.adversarialTraining = adversarialTraining
    }

    /// Throws ``TrainingError/invalidOptions(_:)`` naming the first bad setting.
    public func validate() throws {
        guard epochs >= 0 else { throw TrainingError.invalidOptions("epochs must be at least 0, got \(epochs)") }
        guard batchSize >= 1 else { throw TrainingError.invalidOptions("the batch size must be at least 1, got \(batchSize)") }
        guard evaluationBatchSize >= 1 else {
            throw TrainingError.invalidOptions("the evaluation batch size must be at least 1, got \(evaluationBatchSize)")
        }
        guard accumulationSteps >= 1 else {
            throw TrainingError.invalidOptions("the number of batches accumulated per update must be at least 1, got \(accumulationSteps)")
        }
        try adversarialTraining?.validate()
        if let n = penaltyExampleCount, n < 1 {
            throw TrainingError.invalidOptions("the penalty example count n must be at least 1, got \(n)")
        }
    }
}
