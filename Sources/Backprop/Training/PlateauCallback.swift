/// The plateau schedule as a callback (SPEC §10): hold α while the watched metric
/// improves; after `patience` epochs without improvement divide α by `factor` (2 or 10);
/// stop training once α has fallen by `maximumReduction` in total (1024 by default).
///
/// It acts through ``TrainingContext/learningRateFactor``, so it composes with any
/// schedule. The metric falls back from dev to train values when there is no dev set.
///
/// ```swift
/// let plateau = PlateauCallback<Float>(monitor: .devAccuracy, patience: 5, factor: 2)
/// ```
public final class PlateauCallback<Scalar: NetworkScalar>: TrainingCallback {
    /// The watched metric.
    public let monitor: MonitoredMetric
    /// Epochs without improvement before α is divided.
    public let patience: Int
    /// The divisor applied to α at each plateau (> 1).
    public let factor: Double
    /// The total reduction at which training stops.
    public let maximumReduction: Double
    /// The smallest change that counts as an improvement.
    public let minDelta: Double

    /// α's total reduction so far (1 = none).
    public private(set) var reduction: Double = 1
    fileprivate var best: Double?
    fileprivate var wait = 0

    /// Divides α by `factor` after `patience` epochs without improvement; stops at
    /// `maximumReduction`.
    public init(monitor: MonitoredMetric = .devCost, patience: Int = 5, factor: Double = 2, maximumReduction: Double = 1024, minDelta: Double = 0) {
        precondition(patience >= 1, "Plateau patience must be at least 1 epoch, got \(patience)")
        precondition(factor > 1, "The plateau factor must exceed 1, got \(factor)")
        precondition(maximumReduction >= 1, "The maximum reduction must be at least 1, got \(maximumReduction)")
        self.monitor = monitor
        self.patience = patience
        self.factor = factor
        self.maximumReduction = maximumReduction
        self.minDelta = minDelta
    }

    public func trainingWillBegin(_ context: TrainingContext<Scalar>) throws {
        reduction = 1
        best = nil
        wait = 0
    }

    public func epochDidEnd(_ context: TrainingContext<Scalar>, record: EpochRecord) throws -> CallbackDecision {
        var metric = monitor
        if metric == .devCost, record.devCost == nil { metric = .trainCost }
        if metric == .devAccuracy, record.devAccuracy == nil { metric = .trainAccuracy }
        guard let value = metric.value(in: record) else {
            throw TrainingError.invalidOptions("The plateau schedule watches \(monitor.rawValue), which the run does not measure")
        }
        if metric.improves(value, on: best, minDelta: minDelta) {
            best = value
            wait = 0
            return .proceed
        }
        wait += 1
        guard wait >= patience else { return .proceed }
        wait = 0
        reduction *= factor
        context.learningRateFactor /= factor
        if reduction >= maximumReduction * (1 - 1e-12) {
            return .stop(reason: "plateau schedule: α fell by a factor \(reduction) without improving \(metric.rawValue)")
        }
        return .proceed
    }
}

// MARK: - Checkpoints

extension PlateauCallback: ResumableTrainingCallback {
    public var checkpointKey: String { "plateau" }

    public func checkpointState() -> CallbackState {
        var numbers = ["reduction": reduction, "wait": Double(wait)]
        numbers["best"] = best
        return CallbackState(numbers: numbers)
    }

    public func restore(_ state: CallbackState, in context: TrainingContext<Scalar>) throws {
        guard let reduction = state.numbers["reduction"], reduction >= 1, let wait = state.numbers["wait"], wait >= 0 else {
            throw TrainingError.invalidOptions("The saved plateau state \(state.numbers) is incomplete")
        }
        self.reduction = reduction
        self.wait = Int(wait)
        best = state.numbers["best"]
    }
}
