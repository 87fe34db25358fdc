import Foundation
import BackpropCore

/// A training callback writing TensorBoard event files as the run goes (see the Exporting
/// article), flushed after every epoch:
///
/// | series | step | value |
/// |---|---|---|
/// | `batch/cost` | update | the batch cost, penalty included |
/// | `epoch/train_cost`, `epoch/train_accuracy`, `epoch/dev_cost`, `epoch/dev_accuracy`, `epoch/learning_rate`, `epoch/seconds` | epoch | the columns of `history.csv` |
/// | `update_ratio/<parameter>`, `epoch_update_ratio/<parameter>` | epoch | ‖ΔW‖/‖W‖ of the last update and of the epoch (with a monitor) |
/// | `dead_fraction/<layer>`, `saturated_fraction/<layer>` | epoch | ReLU and sigmoid/tanh layers (with a monitor) |
/// | histograms `weights/<parameter>`, `biases/<parameter>`, `gradients/<parameter>` | epoch | every parameter (biases: every parameter not regularised) |
/// | histograms `activations/<layer>` | epoch | the monitor's probe activations |
///
/// Epoch 0 holds the initial weights (and the monitor's first record). Place the callback
/// after the `TrainingMonitor` it reads, so the monitor has measured the epoch first.
///
/// ```swift
/// let monitor = TrainingMonitor<Float>(probe: training)
/// let board = try TensorBoardCallback<Float>(folder: URL(fileURLWithPath: "runs/a/tensorboard"), monitor: monitor)
/// try trainer.fit(training, validation: dev, callbacks: [monitor, board])
/// ```
public final class TensorBoardCallback<Scalar: NetworkScalar>: TrainingCallback {
    /// The event file writer.
    public let writer: TensorBoardWriter
    /// The monitor whose records become ratio, fraction and activation series, if any.
    public let monitor: TrainingMonitor<Scalar>?
    /// Buckets per parameter histogram (30 by default).
    public var binCount = 30

    /// `false`: its gradient histograms are written when an epoch ends.
    public var readsGradientsAfterEachBatch: Bool { false }

    /// Writes into a new event file in `folder`, reading `monitor`'s records when given.
    ///
    /// - Throws: ``ModelFileError`` when the folder or file cannot be created.
    public init(folder: URL, monitor: TrainingMonitor<Scalar>? = nil) throws {
        writer = try TensorBoardWriter(folder: folder)
        self.monitor = monitor
    }

    public func trainingWillBegin(_ context: TrainingContext<Scalar>) throws {
        guard context.epoch == 0 else { return }
        writeParameters(context.network, step: 0, gradients: false)
        if let record = monitor?.records.last, record.epoch == 0 { write(record) }
        try writer.flush()
    }

    public func batchDidEnd(_ context: TrainingContext<Scalar>, batch: Int, cost: Double) throws {
        writer.scalar("batch/cost", cost, step: context.step)
    }

    public func epochDidEnd(_ context: TrainingContext<Scalar>, record: EpochRecord) throws -> CallbackDecision {
        let epoch = record.epoch
        writer.scalar("epoch/train_cost", record.trainCost, step: epoch)
        if let value = record.trainAccuracy { writer.scalar("epoch/train_accuracy", value, step: epoch) }
        if let value = record.devCost { writer.scalar("epoch/dev_cost", value, step: epoch) }
        if let value = record.devAccuracy { writer.scalar("epoch/dev_accuracy", value, step: epoch) }
        writer.scalar("epoch/learning_rate", record.learningRate, step: epoch)
        writer.scalar("epoch/seconds", record.seconds, step: epoch)
        writeParameters(context.network, step: epoch, gradients: true)
        if let monitored = monitor?.records.last, monitored.epoch == epoch { write(monitored) }
        try writer.flush()
        return .proceed
    }

    public func trainingDidEnd(_ context: TrainingContext<Scalar>) throws {
        try writer.flush()
    }

    /// Histograms of every parameter's values and, after an update, gradients.
    private func writeParameters(_ network: Sequential<Scalar>, step: Int, gradients: Bool) {
        for (name, parameter) in network.namedParameters {
            let group = parameter.isRegularized ? "weights" : "biases"
            writer.histogram("\(group)/\(name)", values: parameter.value.elements.map { Double($0) }, step: step, binCount: binCount)
            if gradients {
                writer.histogram("gradients/\(name)", values: parameter.gradient.elements.map { Double($0) }, step: step, binCount: binCount)
            }
        }
    }

    /// The ratio, fraction and activation series of a monitor record.
    private func write(_ record: MonitorRecord) {
        let step = record.epoch
        for parameter in record.parameters where step > 0 {
            writer.scalar("update_ratio/\(parameter.name)", parameter.lastUpdateRatio, step: step)
            writer.scalar("epoch_update_ratio/\(parameter.name)", parameter.epochUpdateRatio, step: step)
        }
        for layer in record.layers {
            if let value = layer.deadFraction { writer.scalar("dead_fraction/\(layer.name)", value, step: step) }
            if let value = layer.saturatedFraction { writer.scalar("saturated_fraction/\(layer.name)", value, step: step) }
            let count = Double(layer.histogram.counts.reduce(0, +))
            let squares = count * (layer.standardDeviation * layer.standardDeviation + layer.mean * layer.mean)
            writer.histogram("activations/\(layer.name)", layer.histogram, sum: count * layer.mean, sumOfSquares: squares, step: step)
        }
    }
}
