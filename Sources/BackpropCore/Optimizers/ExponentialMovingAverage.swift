import RealModule

/// An exponentially weighted average `v_t = β·v_{t−1} + (1−β)·θ_t` from `v_0 = 0`, with the
/// bias-corrected value `v_t/(1 − β^t)` (see the Optimizers article).
///
/// It averages roughly the last `1/(1−β)` values. Example: θ = 40, 49, 45 with β = 0.9 give
/// v = 4, 8.5, 12.15, corrected 40, 44.74, 44.84.
///
/// ```swift
/// var average = ExponentialMovingAverage(beta: 0.9)
/// average.add(40)   // 4
/// average.corrected // 40
/// ```
public struct ExponentialMovingAverage: Sendable, Hashable, Codable {
    /// β in `[0, 1)`.
    public let beta: Double
    /// `v_t`, uncorrected.
    public private(set) var value: Double = 0
    /// `t`, the number of values added.
    public private(set) var count: Int = 0

    /// An empty average with factor `beta`.
    public init(beta: Double) {
        precondition(beta >= 0 && beta < 1, "An average's β must lie in [0, 1), got \(beta)")
        self.beta = beta
    }

    /// Adds `θ_t` and returns the uncorrected `v_t`.
    @discardableResult
    public mutating func add(_ observation: Double) -> Double {
        value = beta * value + (1 - beta) * observation
        count += 1
        return value
    }

    /// `v_t / (1 − β^t)`; 0 before the first value.
    public var corrected: Double {
        count == 0 ? 0 : value / (1 - Double.pow(beta, count))
    }
}
