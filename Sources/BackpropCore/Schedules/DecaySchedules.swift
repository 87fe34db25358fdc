import RealModule

/// Inverse-time decay: `α = α0 / (1 + decay·epoch)` (epoch from 0).
///
/// ```swift
/// InverseTimeSchedule(initialLearningRate: 0.1, decay: 1).learningRate(epoch: 1, step: 0)  // 0.05
/// ```
public struct InverseTimeSchedule: LearningRateSchedule, Codable, Hashable {
    /// α0.
    public let initialLearningRate: Double
    /// The decay rate (≥ 0).
    public let decay: Double

    /// `α0 / (1 + decay·epoch)`.
    public init(initialLearningRate: Double, decay: Double = 1) {
        self.initialLearningRate = initialLearningRate
        self.decay = decay
    }

    public func learningRate(epoch: Int, step: Int) -> Double {
        initialLearningRate / (1 + decay * Double(epoch))
    }

    public var description: String { "inverse-time(α0=\(initialLearningRate), decay=\(decay))" }
}

/// Exponential decay: `α = base^epoch · α0` (base 0.95 by default, epoch from 0).
public struct ExponentialSchedule: LearningRateSchedule, Codable, Hashable {
    /// α0.
    public let initialLearningRate: Double
    /// The factor per epoch, in `(0, 1]`.
    public let base: Double

    /// `base^epoch · α0`.
    public init(initialLearningRate: Double, base: Double = 0.95) {
        self.initialLearningRate = initialLearningRate
        self.base = base
    }

    public func learningRate(epoch: Int, step: Int) -> Double {
        Double.pow(base, epoch) * initialLearningRate
    }

    public var description: String { "exponential(α0=\(initialLearningRate), base=\(base))" }
}

/// Inverse square root: `α = k/√e · α0` where `e = epoch + 1` counts epochs from 1, as the
/// formula requires (`e ≥ 1`): the first epoch (index 0) uses `k·α0`, the fourth `k·α0/2`.
public struct InverseSquareRootSchedule: LearningRateSchedule, Codable, Hashable {
    /// α0.
    public let initialLearningRate: Double
    /// k (1 by default).
    public let k: Double

    /// `k/√(epoch + 1) · α0`.
    public init(initialLearningRate: Double, k: Double = 1) {
        self.initialLearningRate = initialLearningRate
        self.k = k
    }

    public func learningRate(epoch: Int, step: Int) -> Double {
        k / Double(max(epoch, 0) + 1).squareRoot() * initialLearningRate
    }

    public var description: String { "inverse-sqrt(α0=\(initialLearningRate), k=\(k))" }
}

/// Step (staircase) decay: `α = α0 · factor^⌊epoch/every⌋` — α is multiplied by `factor`
/// every `every` epochs.
///
/// ```swift
/// let schedule = StepSchedule(initialLearningRate: 0.1, every: 10, factor: 0.5)
/// schedule.learningRate(epoch: 25, step: 0)  // 0.025
/// ```
public struct StepSchedule: LearningRateSchedule, Codable, Hashable {
    /// α0.
    public let initialLearningRate: Double
    /// Epochs between drops (≥ 1).
    public let every: Int
    /// The multiplier at each drop, in `(0, 1]`.
    public let factor: Double

    /// `α0 · factor^⌊epoch/every⌋`.
    public init(initialLearningRate: Double, every: Int = 10, factor: Double = 0.5) {
        precondition(every >= 1, "A step schedule drops every N ≥ 1 epochs, got \(every)")
        self.initialLearningRate = initialLearningRate
        self.every = every
        self.factor = factor
    }

    public func learningRate(epoch: Int, step: Int) -> Double {
        initialLearningRate * Double.pow(factor, max(epoch, 0) / every)
    }

    public var description: String { "step(α0=\(initialLearningRate), every=\(every), factor=\(factor))" }
}
