import RealModule

/// Cosine annealing with warm restarts, SGDR (Loshchilov & Hutter 2017): α falls along a
/// half cosine from α0 to αmin over a cycle, then jumps back to α0 and the next cycle,
/// `multiplier` times longer, begins.
///
/// With `t` the position (the epoch index or the update count, by ``unit``), `T0` the first
/// cycle's length and `m` the multiplier, cycle `i` (from 0) lasts `Tᵢ = T0·mⁱ` and starts
/// at `T0·(mⁱ − 1)/(m − 1)` (`T0·i` when `m = 1`). With `t_cur` the position within the
/// cycle:
///
/// `α = αmin + (α0 − αmin)·(1 + cos(π·t_cur/Tᵢ))/2`
///
/// so α = α0 at the start of every cycle and approaches αmin at its last unit. This is
/// PyTorch's `CosineAnnealingWarmRestarts(T_0, T_mult, eta_min)` stepped once per epoch
/// (or per update).
///
/// ```swift
/// let schedule = CosineRestartsSchedule(initialLearningRate: 0.1, period: 10, multiplier: 2)
/// schedule.learningRate(epoch: 10, step: 0)   // 0.1: the second cycle (20 epochs) starts
/// schedule.endsCycle(at: 29)                  // true: the last epoch of the second cycle
/// ```
public struct CosineRestartsSchedule: LearningRateSchedule, Codable, Hashable {
    /// α0, the peak at the start of every cycle.
    public let initialLearningRate: Double
    /// T0, the first cycle's length in ``unit``s.
    public let period: Int
    /// m, the factor by which each cycle is longer than the one before (≥ 1).
    public let multiplier: Int
    /// αmin, the floor.
    public let minimumLearningRate: Double
    /// Epochs or steps.
    public let unit: CosineSchedule.Unit

    /// Where a position falls: the cycle (from 0), the position within it and its length.
    public struct Cycle: Sendable, Hashable {
        /// The cycle's index, from 0.
        public var index: Int
        /// `t_cur`, the position within the cycle, from 0.
        public var position: Int
        /// `Tᵢ`, the cycle's length.
        public var length: Int
    }

    /// Cycles of `period` units, each `multiplier` times longer than the one before.
    public init(initialLearningRate: Double, period: Int, multiplier: Int = 1, minimumLearningRate: Double = 0,
                unit: CosineSchedule.Unit = .epochs) {
        precondition(period >= 1 && multiplier >= 1,
                     "Warm restarts need a period ≥ 1 and a multiplier ≥ 1, got period \(period), multiplier \(multiplier)")
        self.initialLearningRate = initialLearningRate
        self.period = period
        self.multiplier = multiplier
        self.minimumLearningRate = minimumLearningRate
        self.unit = unit
    }

    /// The cycle holding position `t` (negative positions count as 0).
    public func cycle(at t: Int) -> Cycle {
        let t = max(t, 0)
        if multiplier == 1 { return Cycle(index: t / period, position: t % period, length: period) }
        // Lengths grow geometrically, so this loop runs O(log t) times; a length past Int.max
        // is a cycle that never ends.
        var start = 0, length = period, index = 0
        while t - start >= length {
            start += length
            let (next, overflow) = length.multipliedReportingOverflow(by: multiplier)
            length = overflow ? Int.max : next
            index += 1
        }
        return Cycle(index: index, position: t - start, length: length)
    }

    /// `true` when `t` is the last unit of its cycle: after it α restarts at α0.
    public func endsCycle(at t: Int) -> Bool {
        let cycle = cycle(at: t)
        return cycle.position == cycle.length - 1
    }

    public func learningRate(epoch: Int, step: Int) -> Double {
        let cycle = cycle(at: unit == .epochs ? epoch : step)
        // π·t_cur/Tᵢ in PyTorch's order of operations, so the two agree to the last bit.
        let angle = Double.pi * Double(cycle.position) / Double(cycle.length)
        return minimumLearningRate + (initialLearningRate - minimumLearningRate) * (1 + Double.cos(angle)) / 2
    }

    public var description: String {
        "cosine-restarts(α0=\(initialLearningRate), period=\(period) \(unit.rawValue), mult=\(multiplier), min=\(minimumLearningRate))"
    }
}
