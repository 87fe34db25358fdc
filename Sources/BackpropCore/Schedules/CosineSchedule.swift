/// Cosine annealing (Loshchilov & Hutter 2017) with an optional linear warm-up.
///
/// With `t` the position (the epoch index or the update count, by ``unit``), `W` the warm-up
/// length and `T` the total length (including the warm-up):
///
/// - warm-up, `t < W`: `α = α0 · (t + 1)/W` (rises linearly, reaching α0 at `t = W − 1`);
/// - after it: `p = min((t − W)/(T − W), 1)`, `α = αmin + (α0 − αmin)·(1 + cos πp)/2`,
///   so α = α0 right after the warm-up and αmin from `t = T` on.
///
/// ```swift
/// let schedule = CosineSchedule(initialLearningRate: 0.1, length: 100, warmup: 5)
/// ```
public struct CosineSchedule: LearningRateSchedule, Codable, Hashable {
    /// What `t` counts.
    public enum Unit: String, Sendable, Codable, Hashable {
        /// `t` is the epoch index (α is constant within an epoch).
        case epochs
        /// `t` is the number of updates so far.
        case steps
    }

    /// α0, the peak.
    public let initialLearningRate: Double
    /// T, the total length including the warm-up.
    public let length: Int
    /// W, the warm-up length (0 for none).
    public let warmup: Int
    /// αmin, the floor.
    public let minimumLearningRate: Double
    /// Epochs or steps.
    public let unit: Unit

    /// A cosine decay over `length` units after `warmup` units of linear warm-up.
    public init(initialLearningRate: Double, length: Int, warmup: Int = 0, minimumLearningRate: Double = 0, unit: Unit = .epochs) {
        precondition(length >= 1 && warmup >= 0 && warmup < length,
                     "A cosine schedule needs length ≥ 1 and 0 ≤ warm-up < length, got length \(length), warm-up \(warmup)")
        self.initialLearningRate = initialLearningRate
        self.length = length
        self.warmup = warmup
        self.minimumLearningRate = minimumLearningRate
        self.unit = unit
    }

    public func learningRate(epoch: Int, step: Int) -> Double {
        let t = max(unit == .epochs ? epoch : step, 0)
        if t < warmup { return initialLearningRate * Double(t + 1) / Double(warmup) }
        let progress = min(Double(t - warmup) / Double(length - warmup), 1)
        return minimumLearningRate + (initialLearningRate - minimumLearningRate) * (1 + Double.cos(Double.pi * progress)) / 2
    }

    public var description: String {
        "cosine(α0=\(initialLearningRate), length=\(length) \(unit.rawValue), warm-up=\(warmup), min=\(minimumLearningRate))"
    }
}
