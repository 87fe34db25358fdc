import RealModule

/// The one-cycle policy (Smith & Topin 2018) with cosine annealing, per update: α rises
/// from `αmax/div` to `αmax` over the first `pct` of the updates, then falls to
/// `αmax/(div·finalDiv)` at the last update.
///
/// With `T` the total number of updates, `t` the update number from 0, `a = pct·T − 1` the
/// update where the rise ends, `α0 = αmax/div`, `αend = α0/finalDiv` and
/// `anneal(from, to, p) = to + (from − to)·(1 + cos πp)/2`:
///
/// - `t ≤ a`: `α = anneal(α0, αmax, t/a)`;
/// - `t > a`: `α = anneal(αmax, αend, (t − a)/(T − 1 − a))`, and `αend` after update `T − 1`.
///
/// This is PyTorch's `OneCycleLR(max_lr, total_steps=T, pct_start=pct, div_factor=div,
/// final_div_factor=finalDiv, anneal_strategy='cos', three_phase=False)`, stepped after
/// every optimiser step. Momentum and Adam's β1 are not cycled: they keep their values.
///
/// ```swift
/// let schedule = try OneCycleSchedule(maximumLearningRate: 0.01, totalUpdates: 1000)
/// schedule.learningRate(epoch: 0, step: 299)  // 0.01, the peak
/// ```
public struct OneCycleSchedule: LearningRateSchedule, Codable, Hashable {
    /// αmax, the peak.
    public let maximumLearningRate: Double
    /// T, the updates of the whole run.
    public let totalUpdates: Int
    /// The share of the updates spent rising, in `(0, 1)`.
    public let risingFraction: Double
    /// `div`: the first α is `αmax/div`.
    public let initialDivisor: Double
    /// `finalDiv`: the last α is `αmax/(div·finalDiv)`.
    public let finalDivisor: Double

    /// A cycle over `totalUpdates` updates.
    ///
    /// - Throws: ``NetworkError/invalidValue(setting:value:requirement:)`` when the rise or
    ///   the fall would last less than one update, or a divisor is below 1.
    public init(maximumLearningRate: Double, totalUpdates: Int, risingFraction: Double = 0.3,
                initialDivisor: Double = 25, finalDivisor: Double = 1e4) throws {
        guard maximumLearningRate > 0, maximumLearningRate.isFinite else {
            throw NetworkError.invalidValue(setting: "The one-cycle peak", value: "\(maximumLearningRate)", requirement: "must be a positive number")
        }
        guard risingFraction > 0, risingFraction < 1 else {
            throw NetworkError.invalidValue(setting: "The one-cycle rising share pct", value: "\(risingFraction)", requirement: "must lie in (0, 1)")
        }
        let riseEnd = risingFraction * Double(totalUpdates) - 1
        guard riseEnd > 0, Double(totalUpdates - 1) - riseEnd > 0 else {
            throw NetworkError.invalidValue(
                setting: "The one-cycle length", value: "\(totalUpdates) updates with pct \(risingFraction)",
                requirement: "must give the rise more than one update (pct·T > 1) and the fall at least one")
        }
        guard initialDivisor >= 1, finalDivisor >= 1, initialDivisor.isFinite, finalDivisor.isFinite else {
            throw NetworkError.invalidValue(setting: "The one-cycle divisors", value: "div \(initialDivisor), final-div \(finalDivisor)", requirement: "must be at least 1")
        }
        self.maximumLearningRate = maximumLearningRate
        self.totalUpdates = totalUpdates
        self.risingFraction = risingFraction
        self.initialDivisor = initialDivisor
        self.finalDivisor = finalDivisor
    }

    public func learningRate(epoch: Int, step: Int) -> Double {
        let initial = maximumLearningRate / initialDivisor, final = initial / finalDivisor
        let riseEnd = risingFraction * Double(totalUpdates) - 1, last = Double(totalUpdates - 1)
        let t = Double(max(step, 0))
        if t <= riseEnd { return Self.anneal(from: initial, to: maximumLearningRate, progress: t / riseEnd) }
        return Self.anneal(from: maximumLearningRate, to: final, progress: min((t - riseEnd) / (last - riseEnd), 1))
    }

    /// `to + (from − to)·(1 + cos πp)/2`, computed as `(from·(1 + c) + to·(1 − c))/2` with
    /// `c = cos πp`, which gives `from` at `p = 0` and `to` at `p = 1` exactly.
    static func anneal(from start: Double, to end: Double, progress p: Double) -> Double {
        let c = Double.cos(Double.pi * p)
        return (start * (1 + c) + end * (1 - c)) / 2
    }

    public var description: String {
        "one-cycle(max=\(maximumLearningRate), \(totalUpdates) updates, pct=\(risingFraction), div=\(initialDivisor), final-div=\(finalDivisor))"
    }
}
