import Foundation
import BackpropCore

// MARK: - Objective

/// What a search optimises: one metric reported by trials and the direction that is better.
public struct Objective: Sendable, Hashable, Codable {
    /// Whether smaller or larger values are better.
    public enum Direction: String, Sendable, Hashable, Codable {
        /// Smaller is better (e.g. `dev_cost`).
        case minimize
        /// Larger is better (e.g. `dev_accuracy`).
        case maximize
    }

    /// The metric name as reported by trials, e.g. `dev_cost`.
    public var metric: String
    /// The better direction.
    public var direction: Direction

    /// Creates an objective. Default: minimise `dev_cost`.
    public init(metric: String = "dev_cost", direction: Direction = .minimize) {
        self.metric = metric
        self.direction = direction
    }

    /// The value turned into a loss to minimise: `value` when minimising, `−value` when maximising;
    /// NaN becomes `+∞` (worst).
    public func loss(_ value: Double) -> Double {
        guard !value.isNaN else { return .infinity }
        return direction == .minimize ? value : -value
    }
}

// MARK: - Trial status and records

/// The life cycle of a trial in a study.
public enum TrialStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Proposed, or re-queued after its worker died; waiting for a worker.
    case pending
    /// Claimed by a worker that is evaluating it.
    case running
    /// Finished with an objective value.
    case completed
    /// The runner threw; the error is stored.
    case failed
    /// Stopped early by the strategy (its objective is the last reported value).
    case pruned

    /// True for completed, failed and pruned trials.
    public var isFinished: Bool { self == .completed || self == .failed || self == .pruned }
}

/// One trial as stored in a study.
public struct TrialRecord: Sendable, Hashable {
    /// Row identifier in the study file.
    public var id: Int64
    /// The trial number `k` (0, 1, 2, …) in proposal order; proposals derive from (study seed, k).
    public var number: Int
    /// The hyper-parameter values.
    public var configuration: TrialConfiguration
    /// The seed the runner trains with.
    public var seed: UInt64
    /// The epoch budget.
    public var budget: Int
    /// Hyperband bracket (0 for other strategies).
    public var bracket: Int
    /// Successive-halving rung (0 for other strategies).
    public var rung: Int
    /// The trial this one was promoted from (successive halving), if any.
    public var parentID: Int64?
    /// Status.
    public var status: TrialStatus
    /// The objective value (completed; for pruned, the last reported value).
    public var objective: Double?
    /// Wall-clock seconds the evaluation took.
    public var duration: Double?
    /// The objective metric per epoch (epoch → value), as reported.
    public var intermediate: [Int: Double]
    /// The worker that runs or ran the trial (`nil` while pending).
    public var worker: String?
    /// How many times a worker claimed the trial (more than 1 after a dead worker's trial was re-queued).
    public var attempts: Int

    /// Creates a record.
    public init(id: Int64, number: Int, configuration: TrialConfiguration, seed: UInt64, budget: Int,
                bracket: Int = 0, rung: Int = 0, parentID: Int64? = nil, status: TrialStatus,
                objective: Double? = nil, duration: Double? = nil, intermediate: [Int: Double] = [:],
                worker: String? = nil, attempts: Int = 0) {
        self.id = id
        self.number = number
        self.configuration = configuration
        self.seed = seed
        self.budget = budget
        self.bracket = bracket
        self.rung = rung
        self.parentID = parentID
        self.status = status
        self.objective = objective
        self.duration = duration
        self.intermediate = intermediate
        self.worker = worker
        self.attempts = attempts
    }
}

// MARK: - Proposals

/// A new trial a strategy asks for.
public struct TrialProposal: Sendable, Hashable {
    /// The hyper-parameter values.
    public var configuration: TrialConfiguration
    /// The epoch budget.
    public var budget: Int
    /// Hyperband bracket (0 otherwise).
    public var bracket: Int
    /// Successive-halving rung (0 otherwise).
    public var rung: Int
    /// The trial promoted into this one, if any (its seed is reused).
    public var parentID: Int64?

    /// Creates a proposal.
    public init(configuration: TrialConfiguration, budget: Int, bracket: Int = 0, rung: Int = 0, parentID: Int64? = nil) {
        self.configuration = configuration
        self.budget = budget
        self.bracket = bracket
        self.rung = rung
        self.parentID = parentID
    }
}

/// A strategy's answer when asked for the next trial.
public enum ProposalDecision: Sendable, Hashable {
    /// Run this trial next.
    case propose(TrialProposal)
    /// Nothing to propose until running trials finish (e.g. a rung is incomplete).
    case wait
    /// The strategy has nothing more to propose (e.g. the grid is exhausted).
    case exhausted
}

/// What a strategy knows when proposing: the space, the study seed, the objective and the default budget.
public struct ProposalContext: Sendable, Hashable {
    /// The search space.
    public var space: SearchSpace
    /// The study seed.
    public var seed: UInt64
    /// The objective.
    public var objective: Objective
    /// The epoch budget of a full trial (the run configuration's `epochs`).
    public var budget: Int

    /// Creates a context.
    public init(space: SearchSpace, seed: UInt64, objective: Objective, budget: Int) {
        self.space = space
        self.seed = seed
        self.objective = objective
        self.budget = budget
    }

    /// A generator determined by the study seed and a stream number (e.g. the trial number `k`):
    /// `RandomGenerator(seed: mix(seed, stream))` with a SplitMix64 finaliser, so streams are independent.
    public func generator(stream: UInt64) -> RandomGenerator {
        RandomGenerator(seed: ProposalContext.mix(seed, stream))
    }

    /// SplitMix64 finaliser of `a ⊕ (b · golden ratio)`.
    public static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var z = a ^ (b &+ 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

// MARK: - Strategy protocol

/// A hyper-parameter search strategy: proposes trial `k` given the trials so far.
///
/// Proposals must be deterministic functions of (study seed, `k`, history) so that a resumed
/// study proposes what an uninterrupted one would. Random and grid search ignore the history;
/// adaptive strategies (coarse-to-fine, successive halving, TPE) depend on the finished trials
/// present when trial `k` is proposed, which on one worker is the same in a resumed run.
public protocol SearchStrategy: Sendable {
    /// The name stored in the study (e.g. `random`).
    var name: String { get }

    /// The largest number of trials the strategy can propose for `context` (`nil`: unbounded).
    func maximumTrials(context: ProposalContext) throws -> Int?

    /// The next trial, number `number`, given every trial of the study so far (ordered by number).
    func next(number: Int, history: [TrialRecord], context: ProposalContext) throws -> ProposalDecision

    /// Whether a running trial should go on after reporting `value` of the objective metric at
    /// `epoch` (0-based). Default: always.
    func shouldContinue(trial: TrialRecord, epoch: Int, value: Double, history: [TrialRecord], context: ProposalContext) -> Bool
}

extension SearchStrategy {
    /// Unbounded by default.
    public func maximumTrials(context: ProposalContext) throws -> Int? { nil }

    /// Never stops a trial early by default.
    public func shouldContinue(trial: TrialRecord, epoch: Int, value: Double, history: [TrialRecord], context: ProposalContext) -> Bool {
        true
    }
}

// MARK: - Grid and random

/// Grid search: every combination of the parameters' grid values (choices, integers, or
/// `grid-points` of continuous ranges), trial `k` being the `k`-th in mixed-radix order.
public struct GridSearch: SearchStrategy {
    /// `grid`.
    public var name: String { "grid" }

    /// Creates the strategy.
    public init() {}

    /// The grid size.
    public func maximumTrials(context: ProposalContext) throws -> Int? {
        try context.space.gridSize()
    }

    /// Grid point `number`, or exhausted past the end.
    public func next(number: Int, history: [TrialRecord], context: ProposalContext) throws -> ProposalDecision {
        guard number < (try context.space.gridSize()) else { return .exhausted }
        return .propose(TrialProposal(configuration: try context.space.gridConfiguration(index: number), budget: context.budget))
    }
}

/// Random search (Bergstra & Bengio 2012): trial `k` is a uniform draw on the unit cube from the
/// generator of stream `k`, so every domain gets its own law (log-uniform, 1 − β log-uniform, …).
public struct RandomSearch: SearchStrategy {
    /// `random`.
    public var name: String { "random" }

    /// Creates the strategy.
    public init() {}

    /// A fresh draw for trial `number`.
    public func next(number: Int, history: [TrialRecord], context: ProposalContext) throws -> ProposalDecision {
        var generator = context.generator(stream: UInt64(number))
        return .propose(TrialProposal(configuration: context.space.sample(using: &generator), budget: context.budget))
    }
}
