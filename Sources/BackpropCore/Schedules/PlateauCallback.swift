/// The plateau schedule as a callback (see the LearningRateSchedules article): it feeds the watched metric to a
/// ``ReduceOnPlateau`` rule once per epoch, so it holds α while the metric improves, after
/// `patience` epochs without improvement multiplies α by `factor` (½ or ⅒, as
/// `--schedule plateau:factor=…` means), and stops training once α has fallen by
/// `maximumReduction` in total (1024 by default).
///
/// It acts through ``TrainingContext/learningRateFactor``, so it composes with any
/// schedule. The metric falls back from dev to train values when there is no dev set.
///
/// ```swift
/// let plateau = PlateauCallback<Float>(monitor: .devAccuracy, patience: 5, factor: 0.5)
/// ```
public final class PlateauCallback<Scalar: NetworkScalar>: TrainingCallback {
    /// The watched metric.
    public let monitor: MonitoredMetric
    /// Epochs without improvement before α is reduced.
    public let patience: Int
    /// The multiplier applied to α at each plateau, in `(0, 1)` (``ReduceOnPlateau/factor``).
    public let factor: Double
    /// The total reduction at which training stops.
    public let maximumReduction: Double
    /// The smallest change that counts as an improvement.
    public let minDelta: Double

    /// The plateau rule itself, fed one metric value per epoch; its learning rate is the
    /// factor applied to the schedule's α.
    public private(set) var plateau: ReduceOnPlateau

    /// α's total reduction so far (1 = none).
    public var reduction: Double { 1 / plateau.currentLearningRate }

    /// `false`: it reads only the epoch records.
    public var readsGradientsAfterEachBatch: Bool { false }

    /// Multiplies α by `factor` after `patience` epochs without improvement; stops at
    /// `maximumReduction`.
    public init(monitor: MonitoredMetric = .devCost, patience: Int = 5, factor: Double = 0.5, maximumReduction: Double = 1024, minDelta: Double = 0) {
        precondition(factor > 0 && factor < 1, "A plateau factor must lie in (0, 1), got \(factor)")
        self.monitor = monitor
        self.patience = patience
        self.factor = factor
        self.maximumReduction = maximumReduction
        self.minDelta = minDelta
        plateau = PlateauCallback.freshRule(monitor: monitor, patience: patience, factor: factor, maximumReduction: maximumReduction, minDelta: minDelta)
    }

    private static func freshRule(monitor: MonitoredMetric, patience: Int, factor: Double, maximumReduction: Double, minDelta: Double) -> ReduceOnPlateau {
        ReduceOnPlateau(initialLearningRate: 1, factor: factor, patience: patience, minDelta: minDelta,
                        stopAfterTotalFactor: maximumReduction, goal: monitor.isHigherBetter ? .maximize : .minimize)
    }

    public func trainingWillBegin(_ context: TrainingContext<Scalar>) throws {
        plateau = Self.freshRule(monitor: monitor, patience: patience, factor: factor, maximumReduction: maximumReduction, minDelta: minDelta)
    }

    public func epochDidEnd(_ context: TrainingContext<Scalar>, record: EpochRecord) throws -> CallbackDecision {
        var metric = monitor
        if metric == .devCost, record.devCost == nil { metric = .trainCost }
        if metric == .devAccuracy, record.devAccuracy == nil { metric = .trainAccuracy }
        guard let value = metric.value(in: record) else {
            throw TrainingError.invalidOptions("The plateau schedule watches \(monitor.rawValue), which the run does not measure")
        }
        let decision = plateau.record(value)
        context.learningRateFactor = decision.learningRate
        if decision.shouldStop {
            return .stop(reason: "plateau schedule: α fell by a factor \(reduction) without improving \(metric.rawValue)")
        }
        return .proceed
    }
}

// MARK: - Checkpoints

extension PlateauCallback: ResumableTrainingCallback {
    public var checkpointKey: String { "plateau" }

    public func checkpointState() -> CallbackState {
        var numbers = ["reductions": Double(plateau.reductionCount), "wait": Double(plateau.wait), "records": Double(plateau.recordCount)]
        numbers["best"] = plateau.best
        return CallbackState(numbers: numbers)
    }

    public func restore(_ state: CallbackState, in context: TrainingContext<Scalar>) throws {
        guard let reductions = state.numbers["reductions"], reductions >= 0, let wait = state.numbers["wait"], wait >= 0,
              let records = state.numbers["records"], records >= 0 else {
            throw TrainingError.invalidOptions("The saved plateau state \(state.numbers) is incomplete")
        }
        plateau.restoreProgress(best: state.numbers["best"], wait: Int(wait), reductionCount: Int(reductions), recordCount: Int(records))
    }
}
