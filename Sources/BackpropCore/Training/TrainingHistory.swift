/// What one epoch measured (see the Monitoring article).
public struct EpochRecord: Sendable, Hashable, Codable {
    /// The epoch, counting from 1.
    public var epoch: Int
    /// Train cost including the weight penalty.
    public var trainCost: Double
    /// Fraction of training examples classified correctly (`nil` for regression or when
    /// the training set is not evaluated).
    public var trainAccuracy: Double?
    /// Dev cost including the weight penalty, when a dev set is given.
    public var devCost: Double?
    /// Dev accuracy, when a dev set with labels is given.
    public var devAccuracy: Double?
    /// The learning rate α of the epoch's last update.
    public var learningRate: Double
    /// Wall-clock seconds of the epoch, evaluation included.
    public var seconds: Double
    /// Updates applied so far, over all epochs.
    public var updates: Int
    /// Dev cost of the averaged weights (``WeightAverage``), when the run keeps an average.
    public var averagedDevCost: Double?
    /// Dev accuracy of the averaged weights, when the run keeps an average and the dev set has labels.
    public var averagedDevAccuracy: Double?

    /// A record of the given measurements.
    public init(epoch: Int, trainCost: Double, trainAccuracy: Double?, devCost: Double?, devAccuracy: Double?,
                learningRate: Double, seconds: Double, updates: Int, averagedDevCost: Double? = nil, averagedDevAccuracy: Double? = nil) {
        self.epoch = epoch
        self.trainCost = trainCost
        self.trainAccuracy = trainAccuracy
        self.devCost = devCost
        self.devAccuracy = devAccuracy
        self.learningRate = learningRate
        self.seconds = seconds
        self.updates = updates
        self.averagedDevCost = averagedDevCost
        self.averagedDevAccuracy = averagedDevAccuracy
    }
}

/// The record of a training run: the cost of every batch (noisy from batch to batch) and one
/// ``EpochRecord`` per epoch.
public struct TrainingHistory: Sendable, Hashable, Codable {
    /// The cost of each batch in update order, penalty included.
    public var batchCosts: [Double]
    /// One record per completed epoch.
    public var epochs: [EpochRecord]
    /// Why training ended before the planned epochs (early stopping, plateau), or `nil`.
    public var stopReason: String?

    /// A history, empty by default.
    public init(batchCosts: [Double] = [], epochs: [EpochRecord] = [], stopReason: String? = nil) {
        self.batchCosts = batchCosts
        self.epochs = epochs
        self.stopReason = stopReason
    }

    /// The latest epoch's record.
    public var last: EpochRecord? { epochs.last }
}

/// A quantity a callback watches, read from an ``EpochRecord``.
public enum MonitoredMetric: String, Sendable, Hashable, Codable, CaseIterable {
    /// The train cost (penalty included); lower is better.
    case trainCost = "train-cost"
    /// The train accuracy; higher is better.
    case trainAccuracy = "train-accuracy"
    /// The dev cost (penalty included); lower is better.
    case devCost = "dev-cost"
    /// The dev accuracy; higher is better.
    case devAccuracy = "dev-accuracy"

    /// `true` for accuracies (larger is better), `false` for costs.
    public var isHigherBetter: Bool { self == .trainAccuracy || self == .devAccuracy }

    /// The value in `record`, or `nil` when the record has none.
    public func value(in record: EpochRecord) -> Double? {
        switch self {
        case .trainCost: record.trainCost
        case .trainAccuracy: record.trainAccuracy
        case .devCost: record.devCost
        case .devAccuracy: record.devAccuracy
        }
    }

    /// Whether `candidate` beats `best` by more than `minDelta`.
    public func improves(_ candidate: Double, on best: Double?, minDelta: Double) -> Bool {
        guard let best else { return true }
        return isHigherBetter ? candidate > best + minDelta : candidate < best - minDelta
    }
}
