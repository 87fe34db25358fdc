import Foundation

// MARK: - Runner interface

/// What a runner is given to evaluate one trial.
public struct TrialContext: Sendable, Hashable {
    /// The trial number `k`.
    public var number: Int
    /// The hyper-parameter values.
    public var configuration: TrialConfiguration
    /// The epoch budget: train at most this many epochs.
    public var budget: Int
    /// The seed to train with.
    public var seed: UInt64
}

/// What a runner returns: the final metrics (must include the objective metric) and epochs run.
public struct TrialResult: Sendable, Hashable {
    /// Final metrics, e.g. `["dev_cost": 0.31, "dev_accuracy": 0.9]`.
    public var metrics: [String: Double]
    /// Epochs actually trained (fewer than the budget when stopped early).
    public var epochs: Int

    /// Creates a result.
    public init(metrics: [String: Double], epochs: Int) {
        self.metrics = metrics
        self.epochs = epochs
    }
}

/// Evaluates a trial: trains for at most `context.budget` epochs, calling `report(epoch, metrics)`
/// after each epoch (0-based) and stopping as soon as it returns `false`.
public typealias TrialRunner = @Sendable (_ context: TrialContext, _ report: (Int, [String: Double]) -> Bool) throws -> TrialResult

// MARK: - Driver

/// Runs trials of a study until it is complete: claim, evaluate through a ``TrialRunner``, record.
///
/// Each worker (a process or a thread with its own ``StudyStore``) runs its own driver; the store's
/// claim transaction keeps them from evaluating the same trial. When nothing can be claimed but
/// other workers are running trials (e.g. an incomplete rung), the driver polls every `pollInterval`.
public struct StudyDriver: Sendable {
    /// The study.
    public var store: any StudyStore
    /// The strategy.
    public var strategy: SearchStrategy
    /// This worker.
    public var worker: WorkerIdentity
    /// Seconds between polls while waiting (default 0.2).
    public var pollInterval: TimeInterval
    /// A running trial whose heartbeat is older than this many seconds is re-queued (default 600).
    public var staleAfter: TimeInterval
    /// Seconds between heartbeats written by a background timer while a trial runs, in addition
    /// to the one written with each epoch's metrics (default 30; keep it well below `staleAfter`).
    public var heartbeatInterval: TimeInterval

    /// Creates a driver.
    public init(store: any StudyStore, strategy: SearchStrategy, worker: WorkerIdentity = WorkerIdentity(),
                pollInterval: TimeInterval = 0.2, staleAfter: TimeInterval = 600, heartbeatInterval: TimeInterval = 30) {
        self.store = store
        self.strategy = strategy
        self.worker = worker
        self.pollInterval = pollInterval
        self.staleAfter = staleAfter
        self.heartbeatInterval = heartbeatInterval
    }

    /// What one call to ``run(totalTrials:maximumEvaluations:runner:)`` did.
    public struct Summary: Sendable, Hashable {
        /// Trial numbers this worker evaluated, in order.
        public var evaluated: [Int] = []
        /// Trials taken from this worker while it ran them (re-queued as stale); their results were discarded.
        public var lost: [Int] = []
        /// How many of them completed, were pruned, failed.
        public var completed = 0, pruned = 0, failed = 0
    }

    /// Evaluates trials until the study holds `totalTrials` finished trials (or the strategy is
    /// exhausted), or this worker has evaluated `maximumEvaluations` trials. A runner error marks
    /// the trial `failed` with its message and the search goes on.
    public func run(totalTrials: Int, maximumEvaluations: Int = .max, runner: TrialRunner) throws -> Summary {
        guard let study = try store.study() else { throw SearchError.storage("\(store.location): no study recorded") }
        let context = study.context
        var summary = Summary()
        while summary.evaluated.count < maximumEvaluations {
            switch try store.claim(worker: worker, strategy: strategy, totalTrials: totalTrials, staleAfter: staleAfter) {
            case .finished:
                return summary
            case .wait:
                Thread.sleep(forTimeInterval: pollInterval)
            case .trial(let trial):
                guard let status = try evaluate(trial, context: context, runner: runner) else {
                    // Re-queued while running (presumed dead): the result belongs to whoever re-runs it.
                    summary.lost.append(trial.number)
                    continue
                }
                summary.evaluated.append(trial.number)
                switch status {
                case .completed: summary.completed += 1
                case .pruned: summary.pruned += 1
                default: summary.failed += 1
                }
            }
        }
        return summary
    }

    private func evaluate(_ trial: TrialRecord, context: ProposalContext, runner: TrialRunner) throws -> TrialStatus? {
        let start = Date()
        let metric = context.objective.metric
        let worker = self.worker
        var running = trial
        var stopped = false
        var lost = false
        var storageError: Error?
        var lastValue: Double?
        let trialContext = TrialContext(number: trial.number, configuration: trial.configuration, budget: trial.budget, seed: trial.seed)
        let store = self.store
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        timer.schedule(deadline: .now() + heartbeatInterval, repeating: heartbeatInterval)
        timer.setEventHandler { _ = try? store.heartbeat(trialID: trial.id, worker: worker) }
        timer.resume()
        defer { timer.cancel() }
        /// Marks the trial finished; `nil` when another worker owns it now.
        func finish(_ status: TrialStatus, objective: Double?, error: String? = nil) throws -> TrialStatus? {
            let owned = try store.finish(trialID: trial.id, worker: worker, status: status, objective: objective,
                                         duration: Date().timeIntervalSince(start), error: error)
            return owned ? status : nil
        }
        do {
            let result = try runner(trialContext) { epoch, metrics in
                do {
                    guard try store.record(trialID: trial.id, epoch: epoch, metrics: metrics, worker: worker) else {
                        lost = true
                        return false
                    }
                } catch {
                    storageError = error
                    return false
                }
                guard let value = metrics[metric] else { return true }
                lastValue = value
                running.intermediate[epoch] = value
                let history = (try? store.trials()) ?? []
                if !strategy.shouldContinue(trial: running, epoch: epoch, value: value, history: history, context: context) {
                    stopped = true
                }
                return !stopped
            }
            if let storageError { throw storageError }
            if lost { return nil }
            if stopped { return try finish(.pruned, objective: lastValue) }
            guard let objective = result.metrics[metric] ?? lastValue else {
                return try finish(.failed, objective: nil, error: SearchError.missingObjective(metric: metric, trial: trial.number).description)
            }
            return try finish(.completed, objective: objective)
        } catch let error as SearchError {
            throw error
        } catch {
            return try finish(.failed, objective: nil, error: String(describing: error))
        }
    }
}
