import Foundation

// MARK: - Coarse to fine

/// Coarse-to-fine random search (see the HyperparameterSearch article): rounds of `roundSize` trials. Round 0 samples the whole
/// unit cube; round `r ≥ 1` samples uniformly inside a box of side `shrink^r` (clipped to the cube)
/// centred on one of the `topCount` best completed trials of earlier rounds, trial `k` of the round
/// taking centre `k mod topCount` (best first).
///
/// Round `r` waits until every trial of earlier rounds has finished, so its proposals depend only
/// on (study seed, `k`, results of earlier rounds): a resumed study proposes what an uninterrupted
/// one would.
public struct CoarseToFineSearch: SearchStrategy {
    /// `coarse-to-fine`.
    public var name: String { "coarse-to-fine" }
    /// Trials per round (default 10).
    public var roundSize: Int
    /// How many best trials of earlier rounds centre the boxes (default 3).
    public var topCount: Int
    /// The box side shrinks by this factor per round (default 0.5).
    public var shrink: Double

    /// Creates the strategy.
    public init(roundSize: Int = 10, topCount: Int = 3, shrink: Double = 0.5) {
        self.roundSize = max(1, roundSize)
        self.topCount = max(1, topCount)
        self.shrink = min(1, max(0.01, shrink))
    }

    /// Trial `number` of round `number / roundSize`.
    public func next(number: Int, history: [TrialRecord], context: ProposalContext) throws -> ProposalDecision {
        var generator = context.generator(stream: UInt64(number))
        let round = number / roundSize
        guard round > 0 else {
            return .propose(TrialProposal(configuration: context.space.sample(using: &generator), budget: context.budget))
        }
        let earlier = history.filter { $0.number < round * roundSize }
        guard earlier.count == round * roundSize, earlier.allSatisfy({ $0.status.isFinished }) else { return .wait }
        let best = earlier
            .filter { $0.status == .completed && $0.objective != nil }
            .sorted { (context.objective.loss($0.objective!), $0.number) < (context.objective.loss($1.objective!), $1.number) }
            .prefix(topCount)
        guard !best.isEmpty else {
            return .propose(TrialProposal(configuration: context.space.sample(using: &generator), budget: context.budget))
        }
        let centre = Array(best)[(number % roundSize) % best.count].configuration.point
        let side = Foundation.pow(shrink, Double(round))
        let point = centre.map { c -> Double in
            let low = max(0, c - side / 2), high = min(1, c + side / 2)
            return low + generator.uniform() * (high - low)
        }
        return .propose(TrialProposal(configuration: context.space.configuration(at: point), budget: context.budget))
    }
}
