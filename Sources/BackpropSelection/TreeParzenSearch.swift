import Foundation
import BackpropCore

// MARK: - Tree-structured Parzen estimator

/// Bayesian search with the tree-structured Parzen estimator (Bergstra, Bardenet, Bengio & Kégl 2011)
/// on the unit-cube encoding.
///
/// The first `startupTrials` trials are random (stream `k`). Afterwards the completed trials are
/// split by loss into good and bad sets, `n_good = min(25, ⌈γ·√n⌉)` (default γ = 0.25, as in hyperopt).
/// Per coordinate, each set gives a Parzen density on [0, 1]: a mixture of a uniform prior (weight
/// 1/(m + 1)) and Gaussians centred on the set's points (weight 1/(m + 1) each) with bandwidth
/// `σ = clamp(1.06 · sd · m^(−1/5), 0.03, 0.5)` (Silverman's rule), renormalised to [0, 1].
/// `candidateCount` candidates are drawn from the good density `l`, and the one maximising
/// `Σ_d log l_d(x_d) − log g_d(x_d)` (the expected-improvement criterion of TPE) is proposed.
/// Coordinates are modelled independently, as in the original paper.
///
/// Proposals depend on (study seed, `k`) and the completed trials present at proposal time.
public struct TreeParzenSearch: SearchStrategy {
    /// `tpe`.
    public var name: String { "tpe" }
    /// Random trials before the model is used (default 8).
    public var startupTrials: Int
    /// The good-set factor γ in `n_good = min(25, ⌈γ·√n⌉)` (default 0.25).
    public var gamma: Double
    /// Candidates drawn per proposal (default 24).
    public var candidateCount: Int

    /// Creates the strategy.
    public init(startupTrials: Int = 8, gamma: Double = 0.25, candidateCount: Int = 24) {
        self.startupTrials = max(2, startupTrials)
        self.gamma = min(0.9, max(0.01, gamma))
        self.candidateCount = max(1, candidateCount)
    }

    /// A random trial during start-up, then the best of the candidates by `l/g`.
    public func next(number: Int, history: [TrialRecord], context: ProposalContext) throws -> ProposalDecision {
        var generator = context.generator(stream: UInt64(number))
        let finished = history
            .filter { $0.status == .completed && $0.objective != nil }
            .sorted { (context.objective.loss($0.objective!), $0.number) < (context.objective.loss($1.objective!), $1.number) }
        guard number >= startupTrials, finished.count >= 2 else {
            return .propose(TrialProposal(configuration: context.space.sample(using: &generator), budget: context.budget))
        }
        let goodCount = min(25, max(1, Int((gamma * Double(finished.count).squareRoot()).rounded(.up))))
        let good = finished.prefix(goodCount).map(\.configuration.point)
        let bad = finished.dropFirst(goodCount).map(\.configuration.point)
        let dimension = context.space.dimension
        let goodDensities = (0..<dimension).map { d in ParzenDensity(points: good.map { $0[d] }) }
        let badDensities = (0..<dimension).map { d in ParzenDensity(points: bad.map { $0[d] }) }
        var bestPoint: [Double] = []
        var bestScore = -Double.infinity
        for _ in 0..<candidateCount {
            let candidate = goodDensities.map { $0.sample(using: &generator) }
            var score = 0.0
            for d in 0..<dimension {
                score += Foundation.log(goodDensities[d].density(at: candidate[d])) - Foundation.log(badDensities[d].density(at: candidate[d]))
            }
            if score > bestScore { bestScore = score; bestPoint = candidate }
        }
        return .propose(TrialProposal(configuration: context.space.configuration(at: bestPoint), budget: context.budget))
    }
}

// MARK: - Parzen density

/// A one-dimensional Parzen density on [0, 1]: uniform prior plus truncated Gaussian kernels.
struct ParzenDensity {
    let points: [Double]
    let bandwidth: Double

    init(points: [Double]) {
        self.points = points
        let m = Double(points.count)
        if points.count >= 2 {
            let mean = points.reduce(0, +) / m
            let sd = (points.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (m - 1)).squareRoot()
            bandwidth = min(0.5, max(0.03, 1.06 * sd * Foundation.pow(m, -0.2)))
        } else {
            bandwidth = 0.25
        }
    }

    private var weight: Double { 1 / Double(points.count + 1) }

    /// The density at `x`: `w·1 + w·Σ φ((x − μ)/σ)/(σ·Z(μ))`, `Z(μ)` the kernel mass inside [0, 1].
    func density(at x: Double) -> Double {
        var total = weight
        for mu in points {
            let z = (x - mu) / bandwidth
            total += weight * Foundation.exp(-0.5 * z * z) / (bandwidth * (2 * Double.pi).squareRoot() * mass(mu))
        }
        return total
    }

    /// `Φ((1 − μ)/σ) − Φ(−μ/σ)`.
    private func mass(_ mu: Double) -> Double {
        let root2 = 2.0.squareRoot()
        let upper = 0.5 * (1 + Foundation.erf((1 - mu) / (bandwidth * root2)))
        let lower = 0.5 * (1 + Foundation.erf((0 - mu) / (bandwidth * root2)))
        return max(1e-12, upper - lower)
    }

    /// A draw: the uniform prior with probability `w`, else a kernel, truncated to [0, 1] by rejection.
    func sample(using generator: inout RandomGenerator) -> Double {
        let component = generator.integer(below: points.count + 1)
        guard component < points.count else { return generator.uniform() }
        for _ in 0..<64 {
            let x = generator.normal(mean: points[component], standardDeviation: bandwidth)
            if x >= 0 && x <= 1 { return x }
        }
        return min(1, max(0, points[component]))
    }
}
