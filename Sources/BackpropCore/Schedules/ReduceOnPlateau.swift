import RealModule

/// Reduce-on-plateau (see the LearningRateSchedules article): hold α while a dev metric improves; after `patience` epochs
/// without an improvement larger than `minDelta`, multiply α by `factor` (½ or ⅒); stop
/// training once α has fallen by `stopAfterTotalFactor` (1024 = 2¹⁰, or 1000) in all.
///
/// A value with `Codable` state: feed it the metric once per epoch with ``record(_:)`` and
/// use the returned ``Decision``. As a ``LearningRateSchedule`` it returns the current α
/// whatever the epoch or step.
///
/// Rules, per recorded value `x` (`goal` says whether lower or higher is better):
/// - the first value, or one better than the best by more than `minDelta`
///   (`x < best − minDelta` when minimising), becomes the best and resets the wait;
/// - otherwise the wait grows by one; when it reaches `patience`, α ← α·factor and the wait
///   restarts (the best is kept);
/// - when the reductions so far amount to `(1/factor)^count ≥ stopAfterTotalFactor`,
///   ``Decision/shouldStop`` is `true`.
///
/// ```swift
/// var plateau = ReduceOnPlateau(initialLearningRate: 0.1, factor: 0.5, patience: 10)
/// let decision = plateau.record(devCost)
/// if decision.shouldStop { break }
/// optimizerLearningRate = decision.learningRate
/// ```
public struct ReduceOnPlateau: LearningRateSchedule, Codable, Hashable {
    /// Whether a lower or a higher metric is better.
    public enum Goal: String, Sendable, Codable, Hashable {
        /// Lower is better (a cost).
        case minimize
        /// Higher is better (an accuracy).
        case maximize
    }

    /// What one recorded value led to.
    public struct Decision: Sendable, Hashable, Codable {
        /// α to use from now on.
        public var learningRate: Double
        /// `true` when this value reduced α.
        public var didReduce: Bool
        /// `true` when this value was a new best.
        public var improved: Bool
        /// `true` once α has fallen by the total factor: training should stop.
        public var shouldStop: Bool
    }

    /// α0.
    public let initialLearningRate: Double
    /// The multiplier at each reduction, in `(0, 1)`.
    public let factor: Double
    /// Epochs without improvement before a reduction (≥ 1).
    public let patience: Int
    /// The smallest change that counts as an improvement (≥ 0).
    public let minDelta: Double
    /// The total fall of α after which training stops (e.g. 1024).
    public let stopAfterTotalFactor: Double
    /// Lower or higher is better.
    public let goal: Goal

    /// The current α.
    public private(set) var currentLearningRate: Double
    /// The best value recorded so far.
    public private(set) var best: Double?
    /// Epochs since the last improvement or reduction.
    public private(set) var wait = 0
    /// Reductions applied so far.
    public private(set) var reductionCount = 0
    /// Values recorded so far.
    public private(set) var recordCount = 0

    /// A plateau schedule starting at `initialLearningRate`.
    public init(
        initialLearningRate: Double, factor: Double = 0.5, patience: Int = 10, minDelta: Double = 0,
        stopAfterTotalFactor: Double = 1024, goal: Goal = .minimize
    ) {
        precondition(factor > 0 && factor < 1, "A plateau factor must lie in (0, 1), got \(factor)")
        precondition(patience >= 1, "A plateau patience must be at least 1, got \(patience)")
        precondition(minDelta >= 0, "minDelta must be non-negative, got \(minDelta)")
        precondition(stopAfterTotalFactor >= 1, "The total factor must be at least 1, got \(stopAfterTotalFactor)")
        self.initialLearningRate = initialLearningRate
        self.factor = factor
        self.patience = patience
        self.minDelta = minDelta
        self.stopAfterTotalFactor = stopAfterTotalFactor
        self.goal = goal
        currentLearningRate = initialLearningRate
    }

    /// `true` once α has fallen by ``stopAfterTotalFactor``.
    public var shouldStop: Bool {
        // (1/factor)^count, compared with a relative slack for rounding (0.5^10 is exact, 0.1^3 is not).
        Double.pow(1 / factor, Double(reductionCount)) >= stopAfterTotalFactor * (1 - 1e-9)
    }

    /// Records the metric of one epoch and returns the α to use and whether to stop.
    ///
    /// A NaN metric never counts as an improvement.
    public mutating func record(_ metric: Double) -> Decision {
        recordCount += 1
        let improved: Bool
        if let best {
            improved = goal == .minimize ? metric < best - minDelta : metric > best + minDelta
        } else {
            improved = !metric.isNaN
        }
        var didReduce = false
        if improved {
            best = metric
            wait = 0
        } else {
            wait += 1
            if wait >= patience && !shouldStop {
                reductionCount += 1
                currentLearningRate = initialLearningRate * Double.pow(factor, Double(reductionCount))
                wait = 0
                didReduce = true
            }
        }
        return Decision(learningRate: currentLearningRate, didReduce: didReduce, improved: improved, shouldStop: shouldStop)
    }

    public func learningRate(epoch: Int, step: Int) -> Double { currentLearningRate }

    /// Puts back the progress of an interrupted run: the best value, the wait, and the
    /// counts of reductions and records (as ``best``, ``wait``, ``reductionCount`` and
    /// ``recordCount`` were when it stopped).
    public mutating func restoreProgress(best: Double?, wait: Int, reductionCount: Int, recordCount: Int) {
        precondition(wait >= 0 && reductionCount >= 0 && recordCount >= 0, "Plateau progress counts must be non-negative")
        self.best = best
        self.wait = wait
        self.reductionCount = reductionCount
        self.recordCount = recordCount
        currentLearningRate = initialLearningRate * Double.pow(factor, Double(reductionCount))
    }

    public var description: String {
        "plateau(α0=\(initialLearningRate), factor=\(factor), patience=\(patience), min-delta=\(minDelta), stop-after=\(stopAfterTotalFactor))"
    }
}
