import Foundation

// MARK: - Successive halving and Hyperband

/// Successive halving and Hyperband (Li et al. 2018) on epoch budgets.
///
/// A *bracket* `s` starts `n` configurations at budget `r` and has rungs `i = 0…s`:
/// rung `i` holds `nᵢ = ⌊n · η⁻ⁱ⌋` trials with budget `rᵢ = r · ηⁱ` epochs (the last rung capped at
/// the maximum budget `R`). When every trial of rung `i` has finished, the best `nᵢ₊₁`
/// (the best 1/η, by objective) are promoted: each gets a new trial with the same configuration and
/// seed and the larger budget. Successive halving is one bracket; Hyperband runs the brackets
/// `s = s_max … 0` with `s_max = ⌊log_η(R / r_min)⌋`, `n = ⌈(s_max + 1)/(s + 1) · ηˢ⌉`, `r = R · η⁻ˢ`.
///
/// Within a rung, a trial is also stopped early (status `pruned`) when `pruneWithinRung` is on and,
/// at some epoch, at least `nᵢ₊₁` finished trials of its rung had a better value at that epoch —
/// it could then only survive if its curve crossed theirs. Rung-0 configurations of bracket `b`,
/// slot `j`, are drawn from the generator of stream `(b, j)`, independent of the history.
public struct HyperbandSearch: SearchStrategy {
    /// One successive-halving bracket.
    public struct Bracket: Sendable, Hashable {
        /// Trials per rung, `nᵢ`.
        public var counts: [Int]
        /// Epoch budget per rung, `rᵢ`.
        public var budgets: [Int]
    }

    /// `successive-halving` or `hyperband`.
    public let name: String
    /// The reduction factor η (default 3).
    public let eta: Int
    /// The brackets, run in order.
    public let brackets: [Bracket]
    /// Whether weak trials are stopped inside a rung (default true).
    public var pruneWithinRung: Bool

    /// Successive halving: `initialCount` configurations at `minimumBudget` epochs, rungs up to `maximumBudget`.
    public static func successiveHalving(initialCount: Int, minimumBudget: Int, maximumBudget: Int, eta: Int = 3,
                                         pruneWithinRung: Bool = true) throws -> HyperbandSearch {
        try validate(minimumBudget: minimumBudget, maximumBudget: maximumBudget, eta: eta)
        guard initialCount >= 1 else { throw SearchError.invalidSetting("successive halving needs at least one configuration") }
        let rungs = levels(minimumBudget: minimumBudget, maximumBudget: maximumBudget, eta: eta)
        let bracket = makeBracket(count: initialCount, budget: minimumBudget, rungs: rungs, eta: eta, maximumBudget: maximumBudget)
        return HyperbandSearch(name: "successive-halving", eta: eta, brackets: [bracket], pruneWithinRung: pruneWithinRung)
    }

    /// Hyperband with budgets between `minimumBudget` and `maximumBudget` epochs.
    public static func hyperband(minimumBudget: Int, maximumBudget: Int, eta: Int = 3, pruneWithinRung: Bool = true) throws -> HyperbandSearch {
        try validate(minimumBudget: minimumBudget, maximumBudget: maximumBudget, eta: eta)
        let sMax = levels(minimumBudget: minimumBudget, maximumBudget: maximumBudget, eta: eta) - 1
        var brackets: [Bracket] = []
        for s in stride(from: sMax, through: 0, by: -1) {
            let power = Foundation.pow(Double(eta), Double(s))
            let count = Int((Double(sMax + 1) / Double(s + 1) * power).rounded(.up))
            let budget = max(1, Int((Double(maximumBudget) / power).rounded(.down)))
            brackets.append(makeBracket(count: count, budget: budget, rungs: s + 1, eta: eta, maximumBudget: maximumBudget))
        }
        return HyperbandSearch(name: "hyperband", eta: eta, brackets: brackets, pruneWithinRung: pruneWithinRung)
    }

    private static func validate(minimumBudget: Int, maximumBudget: Int, eta: Int) throws {
        guard eta >= 2 else { throw SearchError.invalidSetting("eta must be at least 2, found \(eta)") }
        guard minimumBudget >= 1, maximumBudget >= minimumBudget else {
            throw SearchError.invalidSetting("need 1 ≤ minimum budget ≤ maximum budget, found \(minimumBudget) and \(maximumBudget)")
        }
    }

    /// `⌊log_η(R / r)⌋ + 1`, the number of rungs from `r` to `R`.
    private static func levels(minimumBudget: Int, maximumBudget: Int, eta: Int) -> Int {
        var count = 1, budget = minimumBudget
        while budget * eta <= maximumBudget { budget *= eta; count += 1 }
        return count
    }

    private static func makeBracket(count: Int, budget: Int, rungs: Int, eta: Int, maximumBudget: Int) -> Bracket {
        var counts: [Int] = [], budgets: [Int] = []
        var n = count, r = budget
        for _ in 0..<rungs {
            counts.append(max(1, n))
            budgets.append(min(maximumBudget, r))
            n /= eta
            r *= eta
        }
        return Bracket(counts: counts, budgets: budgets)
    }

    private init(name: String, eta: Int, brackets: [Bracket], pruneWithinRung: Bool) {
        self.name = name
        self.eta = eta
        self.brackets = brackets
        self.pruneWithinRung = pruneWithinRung
    }

    /// The total number of trials over all brackets and rungs.
    public func maximumTrials(context: ProposalContext) throws -> Int? {
        brackets.reduce(0) { $0 + $1.counts.reduce(0, +) }
    }

    /// The first available action over brackets in order: a new rung-0 configuration, or a
    /// promotion of a finished rung's best; `wait` if a rung is still running.
    public func next(number: Int, history: [TrialRecord], context: ProposalContext) throws -> ProposalDecision {
        var mustWait = false
        for (b, bracket) in brackets.enumerated() {
            let inBracket = history.filter { $0.bracket == b }
            for rung in bracket.counts.indices {
                let members = inBracket.filter { $0.rung == rung }
                if rung == 0 {
                    if members.count < bracket.counts[0] {
                        var generator = context.generator(stream: ProposalContext.mix(UInt64(b), UInt64(members.count)))
                        return .propose(TrialProposal(configuration: context.space.sample(using: &generator),
                                                      budget: bracket.budgets[0], bracket: b, rung: 0))
                    }
                    continue
                }
                let below = inBracket.filter { $0.rung == rung - 1 }
                guard members.count < bracket.counts[rung] else { continue }
                guard below.count == bracket.counts[rung - 1], below.allSatisfy({ $0.status.isFinished }) else {
                    mustWait = true
                    break
                }
                let promoted = Set(members.compactMap(\.parentID))
                let ranked = below
                    .filter { $0.status == .completed && $0.objective != nil }
                    .sorted { (context.objective.loss($0.objective!), $0.number) < (context.objective.loss($1.objective!), $1.number) }
                    .prefix(bracket.counts[rung])
                guard let chosen = ranked.first(where: { !promoted.contains($0.id) }) else { break }
                return .propose(TrialProposal(configuration: chosen.configuration, budget: bracket.budgets[rung],
                                              bracket: b, rung: rung, parentID: chosen.id))
            }
        }
        return mustWait ? .wait : .exhausted
    }

    /// Stops a trial whose value at `epoch` is worse than that of at least `nᵢ₊₁` finished trials of its rung.
    public func shouldContinue(trial: TrialRecord, epoch: Int, value: Double, history: [TrialRecord], context: ProposalContext) -> Bool {
        guard pruneWithinRung, trial.bracket < brackets.count else { return true }
        let counts = brackets[trial.bracket].counts
        guard trial.rung + 1 < counts.count else { return true }
        let keep = counts[trial.rung + 1]
        let loss = context.objective.loss(value)
        let better = history.filter {
            $0.bracket == trial.bracket && $0.rung == trial.rung && $0.id != trial.id && $0.status == .completed
                && ($0.intermediate[epoch].map { context.objective.loss($0) < loss } ?? false)
        }
        return better.count < keep
    }
}
