/// Babysits a training run (see the Monitoring article): after every epoch it pushes a fixed probe batch
/// through the network in inference mode and records, per activation layer, the mean,
/// standard deviation and histogram of the activations and the dead-ReLU or saturated
/// fraction; per weight tensor, `‖W‖`, the gradient norm of the last update and the
/// update-to-weight ratios `‖ΔW‖/‖W‖` of the epoch and of its last update.
///
/// The hot loop is untouched except for one copy of the weights just before each epoch's
/// last update (buffers made once in ``trainingWillBegin(_:)``). A record for epoch 0 (the
/// initial network) is taken before training. The per-iteration cost is in
/// ``TrainingHistory/batchCosts``.
///
/// ```swift
/// let monitor = TrainingMonitor<Float>(probe: training, probeSize: 256)
/// try trainer.fit(training, validation: dev, callbacks: [monitor])
/// print(monitor.records.last?.layers.map(\.deadFraction))
/// ```
public final class TrainingMonitor<Scalar: NetworkScalar>: TrainingCallback {
    /// The probe inputs (`rows × features`), fixed for the whole run.
    public let probe: Matrix<Scalar>
    /// Histogram bins per layer (30 by default).
    public var binCount = 30
    /// The distance from an asymptote counted as saturated (0.01 by default).
    public var saturationMargin = 0.01
    /// One record per epoch, starting with epoch 0 (before training).
    public private(set) var records: [MonitorRecord] = []

    private var weights: [(name: String, parameter: Parameter<Scalar>)] = []
    private var epochStart: [Matrix<Scalar>] = []
    private var beforeLastUpdate: [Matrix<Scalar>] = []

    /// `false`: its gradient norms are measured when an epoch ends.
    public var readsGradientsAfterEachBatch: Bool { false }

    /// Monitors with `probe` as the probe batch.
    public init(probe: Matrix<Scalar>) {
        self.probe = probe
    }

    /// Monitors with up to `probeSize` rows of `data` (256 by default), evenly spaced so the
    /// probe covers the whole set, as the probe batch.
    public convenience init(probe data: Dataset<Scalar>, probeSize: Int = 256) {
        let size = min(max(probeSize, 1), data.count)
        let indices = (0..<size).map { $0 * data.count / size }
        self.init(probe: data.subset(indices).features)
    }

    // MARK: - Callback

    public func trainingWillBegin(_ context: TrainingContext<Scalar>) throws {
        weights = context.network.namedParameters.filter { $0.parameter.isRegularized }
        epochStart = weights.map { $0.parameter.value.copy() }
        beforeLastUpdate = weights.map { $0.parameter.value.copy() }
        records = [try measure(context.network, epoch: context.epoch, lastUpdateKnown: false)]
    }

    public func batchDidEnd(_ context: TrainingContext<Scalar>, batch: Int, cost: Double) throws {
        // `batch` counts from 1: after batch B − 1 the weights are those the last update starts from.
        guard batch == context.plan.batchesPerEpoch - 1 else { return }
        for (index, entry) in weights.enumerated() {
            beforeLastUpdate[index].base.update(from: entry.parameter.value.base, count: entry.parameter.value.count)
        }
    }

    public func epochDidEnd(_ context: TrainingContext<Scalar>, record: EpochRecord) throws -> CallbackDecision {
        if context.plan.batchesPerEpoch == 1 {
            for (index, start) in epochStart.enumerated() { beforeLastUpdate[index].base.update(from: start.base, count: start.count) }
        }
        records.append(try measure(context.network, epoch: record.epoch, lastUpdateKnown: true))
        for (index, entry) in weights.enumerated() {
            epochStart[index].base.update(from: entry.parameter.value.base, count: entry.parameter.value.count)
        }
        return .proceed
    }

    // MARK: - Measuring

    /// The record of `network` now: the probe pushed through in inference mode.
    private func measure(_ network: Sequential<Scalar>, epoch: Int, lastUpdateKnown: Bool) throws -> MonitorRecord {
        var layers: [LayerActivationRecord] = []
        var activations = probe
        for (index, layer) in network.layers.enumerated() {
            activations = try layer.forward(activations, mode: .inference)
            guard let (name, kind) = Self.nonlinearity(of: layer) else { continue }
            layers.append(MonitoringStatistics.layerRecord(
                of: activations, name: "layers.\(index)", activation: name, kind: kind,
                binCount: binCount, saturationMargin: saturationMargin))
        }
        let parameters = weights.enumerated().map { index, entry in
            let value = entry.parameter.value
            let norm = MonitoringStatistics.norm(value)
            return ParameterRecord(
                name: entry.name, norm: norm,
                gradientNorm: lastUpdateKnown ? MonitoringStatistics.norm(entry.parameter.gradient) : 0,
                epochUpdateRatio: MonitoringStatistics.ratio(change: MonitoringStatistics.distance(value, epochStart[index]), of: norm),
                lastUpdateRatio: lastUpdateKnown
                    ? MonitoringStatistics.ratio(change: MonitoringStatistics.distance(value, beforeLastUpdate[index]), of: norm) : 0)
        }
        return MonitorRecord(epoch: epoch, layers: layers, parameters: parameters)
    }

    /// The activation a layer applies, or `nil` for layers without one (the linear output
    /// layer, dropout, noise, batch normalisation).
    static func nonlinearity(of layer: any Layer<Scalar>) -> (String, MonitoringStatistics.Kind)? {
        let description = layer.layerDescription
        if let activation = description.activation {
            return (activation.displayName, MonitoringStatistics.Kind(activation))
        }
        switch description.kind {
        case .prelu:
            return ("prelu", .other)
        case .maxout:
            return ("maxout", .other)
        default:
            return nil
        }
    }
}
