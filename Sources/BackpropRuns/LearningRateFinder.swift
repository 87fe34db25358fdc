import Foundation
import BackpropCore
import BackpropData
import BackpropRecipes

// MARK: - Learning-rate finder

/// Nielsen's learning-rate threshold (see the HyperparameterSearch article): train briefly at learning rates spaced on a
/// log scale, each time from the same initial weights, and find the smallest rate at which
/// the training cost no longer falls at once; use about half of it.
///
/// A probe at rate α measures the training cost `C₀` before training and `C₁` after a short
/// run (a few epochs). The rate *falls* when `C₁ < C₀` and every cost on the way is finite.
/// The **threshold** is the first scanned rate (in increasing order) that does not fall; the
/// **recommendation** is half of it. For gradient descent on a quadratic with largest
/// curvature `L` the threshold is `2/L` (the iteration `e ← (1 − αL)·e` grows once
/// `|1 − αL| ≥ 1`).
///
/// ```swift
/// var recipe = TrainingRecipe()
/// let result = try LearningRateFinder.scan(recipe: recipe, rates: LearningRateFinder.rates(from: 1e-5, to: 10), epochs: 3)
/// print(result.threshold ?? .nan, result.recommended)
/// ```
public enum LearningRateFinder {
    /// What one learning rate did.
    public struct Probe: Sendable, Hashable, Codable {
        /// The learning rate α.
        public var rate: Double
        /// The training cost before training (the same for every rate).
        public var initialCost: Double
        /// The training cost after the short run (`nan` when training hit a NaN or infinity).
        public var finalCost: Double
        /// The training cost after each epoch of the short run.
        public var costs: [Double]

        /// Creates a probe.
        public init(rate: Double, initialCost: Double, finalCost: Double, costs: [Double] = []) {
            self.rate = rate
            self.initialCost = initialCost
            self.finalCost = finalCost
            self.costs = costs
        }

        /// A NaN or infinite cost appeared.
        public var diverged: Bool { !finalCost.isFinite || costs.contains { !$0.isFinite } }

        /// The cost fell: `C₁ < C₀` without divergence.
        public var falls: Bool { !diverged && finalCost < initialCost }
    }

    /// The probes and what they say.
    public struct Result: Sendable, Hashable, Codable {
        /// One probe per rate, in increasing order of rate.
        public var probes: [Probe]
        /// The first rate whose cost did not fall, or `nil` when every rate fell (the threshold
        /// lies above the scanned range).
        public var threshold: Double?
        /// Half the threshold; the largest scanned rate when every rate fell.
        public var recommended: Double

        /// Reads the threshold off `probes` (sorted by rate here).
        public init(probes: [Probe]) {
            self.probes = probes.sorted { $0.rate < $1.rate }
            threshold = self.probes.first { !$0.falls }?.rate
            recommended = threshold.map { $0 / 2 } ?? (self.probes.last?.rate ?? .nan)
        }
    }

    /// `perDecade` rates per factor of ten from `lower` to `upper` (both included when
    /// `upper/lower` is a whole number of steps): `lower·10^(k/perDecade)`.
    public static func rates(from lower: Double = 1e-5, to upper: Double = 10, perDecade: Int = 3) -> [Double] {
        guard lower > 0, upper >= lower, perDecade >= 1 else { return [] }
        let steps = Int((log10(upper / lower) * Double(perDecade)).rounded(.down) + 1e-9)
        return (0...steps).map { lower * pow(10, Double($0) / Double(perDecade)) }
    }

    /// Scans `rates` with `probe`, which trains from the same start at the given rate.
    public static func scan(rates: [Double], probe: (Double) throws -> Probe) rethrows -> Result {
        Result(probes: try rates.sorted().map(probe))
    }

    /// Scans `rates` for a training recipe: each probe is a fresh ``TrainingRun`` of `recipe`
    /// (same seed, so the same initial weights and batches) at one rate with a constant
    /// schedule, no early stopping, for `epochs` epochs. Training that stops on a NaN or
    /// infinite cost counts as diverged.
    ///
    /// - Parameters:
    ///   - recipe: the run to probe; its learning rate, schedule and early stopping are
    ///     replaced for every probe, everything else is kept.
    ///   - rates: the learning rates tried, each positive and finite (see
    ///     ``rates(from:to:perDecade:)``); they are probed in ascending order.
    ///   - epochs: epochs trained per probe (at least 1).
    ///   - data: the loaded splits, when already at hand (loaded once otherwise).
    ///   - progress: called after each probe.
    public static func scan(recipe: TrainingRecipe, rates: [Double], epochs: Int = 3, data: DatasetSplits<Float>? = nil,
                            progress: ((Probe) -> Void)? = nil) throws -> Result {
        guard epochs >= 1 else { throw NetworkError.invalidSize(what: "the learning-rate finder", value: epochs, requirement: "needs at least 1 epoch per rate") }
        guard !rates.isEmpty, rates.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw NetworkError.invalidValue(setting: "the learning-rate finder", value: "\(rates)", requirement: "needs a non-empty list of positive finite rates")
        }
        let raw = try data ?? TrainingRun.loadData(for: recipe)
        return try scan(rates: rates) { rate in
            var probeRecipe = recipe
            probeRecipe.learningRate = rate
            probeRecipe.epochs = epochs
            probeRecipe.schedule = "constant"
            probeRecipe.earlyStopping = nil
            let run = try TrainingRun(recipe: probeRecipe, data: raw)
            let initial = try run.evaluate().train.cost
            var costs: [Double] = []
            let recorder = ClosureCallback<Float>(onEpochEnd: { _, record in
                costs.append(record.trainCost)
                return record.trainCost.isFinite ? .proceed : .stop(reason: "the cost is not finite")
            })
            let probe: Probe
            do {
                try run.fit(callbacks: [recorder])
                probe = Probe(rate: rate, initialCost: initial, finalCost: try run.evaluate().train.cost, costs: costs)
            } catch let error as TrainingError {
                guard case .nonFinite = error else { throw error }
                probe = Probe(rate: rate, initialCost: initial, finalCost: .nan, costs: costs)
            }
            progress?(probe)
            return probe
        }
    }
}
