/// Early stopping (see the Regularization article): watch a metric every epoch, stop after `patience` epochs
/// without an improvement larger than `minDelta`, and optionally put back the weights of
/// the best epoch.
///
/// **Growing patience** (`patienceStages`, e.g. `[10, 20, 50]`): training starts with the
/// first patience; each time the metric improves after a wait of at least half the current
/// patience (a late improvement: the run is on long plateaus but still learning), the
/// patience moves to the next stage. Without stages the patience stays fixed.
///
/// The watched metric falls back from the dev set to the training set when no dev set is
/// given (`.devCost` → `.trainCost`, `.devAccuracy` → `.trainAccuracy`).
///
/// Restoring copies every parameter and buffer (batch-norm running statistics) of the best
/// epoch back when training ends, however it ends.
///
/// ```swift
/// let stopping = EarlyStopping<Float>(monitor: .devAccuracy, patience: 10)
/// ```
public final class EarlyStopping<Scalar: NetworkScalar>: TrainingCallback {
    /// The watched metric.
    public let monitor: MonitoredMetric
    /// The smallest change that counts as an improvement.
    public let minDelta: Double
    /// The patience of each stage (one value for a fixed patience).
    public let patienceStages: [Int]
    /// Whether the best weights are restored at the end.
    public let restoresBestWeights: Bool

    /// The best value seen so far.
    public private(set) var bestValue: Double?
    /// The epoch (from 1) of the best value.
    public private(set) var bestEpoch: Int?
    /// The patience in force now.
    public var patience: Int { patienceStages[stage] }

    fileprivate var stage = 0
    fileprivate var wait = 0
    fileprivate var saved: [Matrix<Scalar>] = []

    /// Stops after `patience` epochs (≥ 1) without improvement of `monitor`.
    public convenience init(monitor: MonitoredMetric = .devCost, patience: Int = 10, minDelta: Double = 0, restoresBestWeights: Bool = true) {
        self.init(monitor: monitor, patienceStages: [patience], minDelta: minDelta, restoresBestWeights: restoresBestWeights)
    }

    /// `false`: it reads only the epoch records.
    public var readsGradientsAfterEachBatch: Bool { false }

    /// Early stopping whose patience grows through `patienceStages` (each ≥ 1), e.g. `[10, 20, 50]`.
    public init(monitor: MonitoredMetric = .devCost, patienceStages: [Int], minDelta: Double = 0, restoresBestWeights: Bool = true) {
        precondition(!patienceStages.isEmpty && patienceStages.allSatisfy { $0 >= 1 },
                     "Early-stopping patience must be at least 1 epoch, got \(patienceStages)")
        precondition(minDelta >= 0, "min-delta must be non-negative, got \(minDelta)")
        self.monitor = monitor
        self.patienceStages = patienceStages
        self.minDelta = minDelta
        self.restoresBestWeights = restoresBestWeights
    }

    public func trainingWillBegin(_ context: TrainingContext<Scalar>) throws {
        bestValue = nil
        bestEpoch = nil
        stage = 0
        wait = 0
        saved = []
    }

    public func epochDidEnd(_ context: TrainingContext<Scalar>, record: EpochRecord) throws -> CallbackDecision {
        let metric = effectiveMetric(record)
        guard let value = metric.value(in: record) else {
            throw TrainingError.invalidOptions("Early stopping watches \(monitor.rawValue), which the run does not measure")
        }
        if metric.improves(value, on: bestValue, minDelta: minDelta) {
            if bestValue != nil, wait * 2 >= patience, stage + 1 < patienceStages.count { stage += 1 }
            bestValue = value
            bestEpoch = record.epoch
            wait = 0
            if restoresBestWeights { save(context) }
            return .proceed
        }
        wait += 1
        guard wait >= patience else { return .proceed }
        return .stop(reason: "early stopping: \(metric.rawValue) did not improve for \(wait) epochs (best \(bestValue ?? value) at epoch \(bestEpoch ?? record.epoch))")
    }

    public func trainingDidEnd(_ context: TrainingContext<Scalar>) throws {
        guard restoresBestWeights, !saved.isEmpty else { return }
        for (target, source) in zip(tensors(of: context.network), saved) { target.assign(source) }
    }

    // MARK: - Helpers

    private func effectiveMetric(_ record: EpochRecord) -> MonitoredMetric {
        switch monitor {
        case .devCost where record.devCost == nil: .trainCost
        case .devAccuracy where record.devAccuracy == nil: .trainAccuracy
        default: monitor
        }
    }

    fileprivate func tensors(of network: Sequential<Scalar>) -> [Matrix<Scalar>] {
        network.parameters.map(\.value) + network.namedBuffers.map(\.value)
    }

    private func save(_ context: TrainingContext<Scalar>) {
        let current = tensors(of: context.network)
        if saved.count != current.count { saved = current.map { $0.copy() }; return }
        for (copy, source) in zip(saved, current) { copy.assign(source) }
    }
}

// MARK: - Checkpoints

extension EarlyStopping: ResumableTrainingCallback {
    public var checkpointKey: String { "early-stopping" }

    public func checkpointState() -> CallbackState {
        var numbers: [String: Double] = ["stage": Double(stage), "wait": Double(wait)]
        numbers["best-value"] = bestValue
        numbers["best-epoch"] = bestEpoch.map(Double.init)
        return CallbackState(numbers: numbers, tensors: saved.map { $0.elementsAsDouble })
    }

    public func restore(_ state: CallbackState, in context: TrainingContext<Scalar>) throws {
        guard let stage = state.numbers["stage"].map(Int.init), let wait = state.numbers["wait"].map(Int.init),
              patienceStages.indices.contains(stage), wait >= 0 else {
            throw TrainingError.invalidOptions("The saved early-stopping state \(state.numbers) does not fit patience stages \(patienceStages)")
        }
        let live = tensors(of: context.network)
        guard state.tensors.isEmpty || (state.tensors.count == live.count && zip(state.tensors, live).allSatisfy { $0.count == $1.count }) else {
            throw TrainingError.invalidOptions("The saved early-stopping weights (\(state.tensors.count) tensors) do not fit the network's \(live.count)")
        }
        self.stage = stage
        self.wait = wait
        bestValue = state.numbers["best-value"]
        bestEpoch = state.numbers["best-epoch"].map(Int.init)
        saved = zip(state.tensors, live).map { values, shape in
            let matrix = Matrix<Scalar>(rows: shape.rows, columns: shape.columns)
            for index in 0..<values.count { matrix.base[index] = Scalar(values[index]) }
            return matrix
        }
    }
}
