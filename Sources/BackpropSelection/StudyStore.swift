import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Store contract

/// Where a study lives and the operations every worker performs on it: one contract, with an
/// SQLite back end (``SQLiteStudyStore``, a file) and a PostgreSQL back end
/// (``PostgresStudyStore``, a database that workers on many machines share).
///
/// Every operation is one transaction. ``claim(worker:strategy:totalTrials:staleAfter:)`` re-queues
/// the trials of dead workers, then hands out a pending trial or asks the strategy for trial `k`
/// (`k` = number of trials so far) and records it as `running` for the caller, so that no two
/// workers ever run the same trial or create the same trial number. A worker holds a lease on its
/// trial that it renews with ``heartbeat(trialID:worker:)`` and ``record(trialID:epoch:metrics:worker:)``;
/// a trial whose lease is older than `staleAfter` seconds goes back to the queue.
///
/// Open a store from a `--study` value with ``StudyStores/open(_:studyName:)``.
public protocol StudyStore: AnyObject, Sendable {
    /// Where the study lives, for messages: a file path, or a `postgresql://` URL without the password.
    var location: String { get }

    /// Records the study on first use, or checks that the store holds the same study.
    /// - Parameter study: the study the caller wants to run.
    /// - Throws: ``SearchError/studyMismatch(_:)`` naming both studies and what differs.
    func prepare(_ study: StudyDescription) throws

    /// The study recorded in the store, or `nil` before ``prepare(_:)``.
    func study() throws -> StudyDescription?

    /// Re-queues dead workers' trials, then hands out a pending trial or a newly proposed one, in
    /// one transaction. At most `totalTrials` trials are created, failed ones included (a failed
    /// trial is not retried), and never more than the strategy's maximum. Trial `k`'s training seed
    /// is `mix(study seed ⊕ 0x5EED, k)`; a promoted trial reuses its parent's.
    /// - Parameters:
    ///   - worker: who asks; the trial is recorded as running for this worker.
    ///   - strategy: proposes new trials; its name must be the study's.
    ///   - totalTrials: the number of trials the study should hold in all.
    ///   - staleAfter: seconds after the last heartbeat when a running trial's lease runs out.
    func claim(worker: WorkerIdentity, strategy: SearchStrategy, totalTrials: Int, staleAfter: TimeInterval) throws -> TrialClaim

    /// Re-queues the running trials of dead workers (lease older than `staleAfter` seconds, or a
    /// pid on this host that no longer exists), removing their partial metrics; returns how many.
    /// - Parameter staleAfter: seconds after the last heartbeat when a lease runs out.
    @discardableResult
    func requeueDeadTrials(staleAfter: TimeInterval) throws -> Int

    /// Records the metrics of one epoch (0-based) and renews the lease, if the trial is still
    /// `running` for `worker`. Returns `false` (recording nothing) when the trial was re-queued or
    /// taken over meanwhile; the caller should then stop evaluating it.
    /// - Parameters:
    ///   - trialID: the trial's ``TrialRecord/id``.
    ///   - epoch: the 0-based epoch.
    ///   - metrics: metric name → value.
    ///   - worker: the worker that claimed the trial.
    @discardableResult
    func record(trialID: Int64, epoch: Int, metrics: [String: Double], worker: WorkerIdentity) throws -> Bool

    /// Renews a running trial's lease if `worker` still owns it; returns whether it does.
    /// - Parameters:
    ///   - trialID: the trial's ``TrialRecord/id``.
    ///   - worker: the worker that claimed the trial.
    @discardableResult
    func heartbeat(trialID: Int64, worker: WorkerIdentity) throws -> Bool

    /// Marks a trial finished if `worker` still owns it. Returns `false` (changing nothing) when
    /// the trial was re-queued meanwhile.
    /// - Parameters:
    ///   - trialID: the trial's ``TrialRecord/id``.
    ///   - worker: the worker that claimed the trial.
    ///   - status: `completed`, `pruned` or `failed`.
    ///   - objective: the objective value, if any.
    ///   - duration: wall-clock seconds of the evaluation.
    ///   - error: why the trial failed, if it did.
    @discardableResult
    func finish(trialID: Int64, worker: WorkerIdentity, status: TrialStatus, objective: Double?, duration: Double,
                error: String?) throws -> Bool

    /// Every trial, ordered by number, with the objective metric's per-epoch values, worker and attempts.
    func trials() throws -> [TrialRecord]

    /// All metrics of a trial: epoch → name → value.
    /// - Parameter trialID: the trial's ``TrialRecord/id``.
    func metrics(trialID: Int64) throws -> [Int: [String: Double]]
}

extension StudyStore {
    /// ``claim(worker:strategy:totalTrials:staleAfter:)`` with leases of 600 seconds.
    public func claim(worker: WorkerIdentity, strategy: SearchStrategy, totalTrials: Int) throws -> TrialClaim {
        try claim(worker: worker, strategy: strategy, totalTrials: totalTrials, staleAfter: 600)
    }

    /// ``requeueDeadTrials(staleAfter:)`` with leases of 600 seconds.
    @discardableResult
    public func requeueDeadTrials() throws -> Int {
        try requeueDeadTrials(staleAfter: 600)
    }

    /// ``finish(trialID:worker:status:objective:duration:error:)`` without an error message.
    @discardableResult
    public func finish(trialID: Int64, worker: WorkerIdentity, status: TrialStatus, objective: Double?, duration: Double) throws -> Bool {
        try finish(trialID: trialID, worker: worker, status: status, objective: objective, duration: duration, error: nil)
    }

    /// The worker that ran or runs a trial, as stored (`nil` when pending).
    /// - Parameter trialID: the trial's ``TrialRecord/id``.
    public func worker(trialID: Int64) throws -> String? {
        try trials().first { $0.id == trialID }?.worker
    }
}

/// Opening a study store from a `--study` value.
public enum StudyStores {
    /// Opens the study at `location`: `postgresql://…` (or `postgres://…`) names a PostgreSQL
    /// database, where `studyName` picks the study; `sqlite:PATH` or a plain path names an SQLite
    /// file, which holds one study (`studyName` is not used).
    /// - Parameters:
    ///   - location: a path, `sqlite:PATH` or `postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE`.
    ///   - studyName: the study's name in a PostgreSQL database.
    /// - Throws: ``SearchError/invalidStudyLocation(_:reason:)`` for a malformed URL or a missing
    ///   name, and the connection errors of ``PostgresStudyStore/init(url:name:retryDelays:)``.
    public static func open(_ location: String, studyName: String?) throws -> any StudyStore {
        if let url = try PostgresURL(parsingIfPostgres: location) {
            guard let studyName, !studyName.isEmpty else {
                throw SearchError.invalidStudyLocation(url.description, reason: "a PostgreSQL study needs a name (--study-name)")
            }
            return try PostgresStudyStore(url: url, name: studyName)
        }
        return try SQLiteStudyStore(path: sqlitePath(location))
    }

    /// Whether `location` names a PostgreSQL database rather than a file.
    /// - Parameter location: a `--study` value.
    public static func isPostgres(_ location: String) -> Bool {
        location.hasPrefix("postgresql://") || location.hasPrefix("postgres://")
    }

    /// The file of an SQLite location (`sqlite:` removed).
    /// - Parameter location: a path or `sqlite:PATH`.
    public static func sqlitePath(_ location: String) -> String {
        location.hasPrefix("sqlite:") ? String(location.dropFirst("sqlite:".count)) : location
    }

    /// What a new trial will be, decided from the study's trials (`history`) once pending trials
    /// have been dealt with: shared by both back ends so that they propose the same trials.
    enum NextTrial {
        case propose(number: Int, proposal: TrialProposal, seed: UInt64)
        case wait
        case finished
    }

    /// Asks `strategy` for trial number `history.count`, unless the study already holds
    /// `totalTrials` trials or the strategy's maximum. Pending trials count as running.
    static func nextTrial(study: StudyDescription, strategy: SearchStrategy, totalTrials: Int,
                          history: [TrialRecord]) throws -> NextTrial {
        let context = study.context
        let limit = min(totalTrials, try strategy.maximumTrials(context: context) ?? Int.max)
        let count = history.count
        let busy = history.contains { $0.status == .running || $0.status == .pending }
        guard count < limit else { return busy ? .wait : .finished }
        switch try strategy.next(number: count, history: history, context: context) {
        case .wait, .exhausted:
            return busy ? .wait : .finished
        case .propose(let proposal):
            var seed = ProposalContext.mix(study.seed ^ 0x5EED, UInt64(count))
            if let parentID = proposal.parentID, let parent = history.first(where: { $0.id == parentID }) { seed = parent.seed }
            return .propose(number: count, proposal: proposal, seed: seed)
        }
    }

    /// Checks that `strategy` is the one `study` was created with.
    static func checkStrategy(_ strategy: SearchStrategy, of study: StudyDescription, at location: String) throws {
        guard study.strategy == strategy.name else {
            throw SearchError.studyMismatch("\(location) uses strategy '\(study.strategy)', not '\(strategy.name)'")
        }
    }

    /// Sorted-keys JSON, the form in which spaces and configurations are stored.
    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

// MARK: - Study description

/// What defines a study: the space, strategy, seed, objective and full-trial budget.
/// Reopening a study file checks that these match.
public struct StudyDescription: Sendable, Hashable {
    /// The search space.
    public var space: SearchSpace
    /// The strategy name (``SearchStrategy/name``).
    public var strategy: String
    /// The study seed.
    public var seed: UInt64
    /// The objective.
    public var objective: Objective
    /// Epochs of a full trial.
    public var budget: Int

    /// Creates a description.
    public init(space: SearchSpace, strategy: String, seed: UInt64, objective: Objective, budget: Int) {
        self.space = space
        self.strategy = strategy
        self.seed = seed
        self.objective = objective
        self.budget = budget
    }

    /// The proposal context of this study.
    public var context: ProposalContext {
        ProposalContext(space: space, seed: seed, objective: objective, budget: budget)
    }

    /// What differs between the study stored at `location` (`self`) and `other`, the one a caller
    /// asked for, as a message naming both; `nil` when they are the same study.
    func mismatch(with other: StudyDescription, at location: String) throws -> String? {
        var differences: [String] = []
        if try StudyStores.json(space) != StudyStores.json(other.space) {
            let stored = space.parameters.map(\.name).joined(separator: ", ")
            let given = other.space.parameters.map(\.name).joined(separator: ", ")
            differences.append(stored == given ? "search space (the ranges of \(given) differ)" : "search space (\(stored) vs \(given))")
        }
        if strategy != other.strategy { differences.append("strategy '\(strategy)' vs '\(other.strategy)'") }
        if seed != other.seed { differences.append("seed \(seed) vs \(other.seed)") }
        if objective != other.objective {
            differences.append("objective \(objective.direction.rawValue) \(objective.metric) vs \(other.objective.direction.rawValue) \(other.objective.metric)")
        }
        if budget != other.budget { differences.append("epochs \(budget) vs \(other.budget)") }
        guard !differences.isEmpty else { return nil }
        return "\(location) was created with another \(differences.map { $0 }.joined(separator: ", ")) (stored vs asked for); use another study name or file"
    }
}

// MARK: - Worker identity

/// Who evaluates a trial: an identifier, the host name and the process id (for liveness checks).
public struct WorkerIdentity: Sendable, Hashable {
    /// A unique identifier, by default `host:pid:random`.
    public var id: String
    /// The host name.
    public var host: String
    /// The process id.
    public var pid: Int32

    /// Creates an identity; defaults describe the current process with a fresh random suffix.
    public init(id: String? = nil, host: String = ProcessInfo.processInfo.hostName, pid: Int32 = getpid()) {
        self.host = host
        self.pid = pid
        self.id = id ?? "\(host):\(pid):\(UUID().uuidString.prefix(8))"
    }

    /// Whether a process with this id exists (`kill(pid, 0)` succeeds or is refused for permission).
    public static func processIsAlive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    /// Whether the worker of a running trial is presumed dead: its lease (last heartbeat at
    /// `heartbeat`) is older than `staleAfter` seconds at `now`, or it ran on this host under a
    /// pid that no longer exists.
    static func isPresumedDead(host: String?, pid: Int64?, heartbeat: Double?, now: Double, staleAfter: TimeInterval) -> Bool {
        if now - (heartbeat ?? 0) > staleAfter { return true }
        guard host == ProcessInfo.processInfo.hostName, let pid else { return false }
        return !processIsAlive(Int32(truncatingIfNeeded: pid))
    }
}

/// The outcome of asking the store for work.
public enum TrialClaim: Sendable, Hashable {
    /// Evaluate this trial (now marked `running` for the caller).
    case trial(TrialRecord)
    /// Nothing to do now; other workers are running trials that may unlock more.
    case wait
    /// The study has reached its total or the strategy is exhausted, and nothing is running.
    case finished
}

