import ArgumentParser
import Backprop
import Foundation

/// `backprop train`: build a network, train it with mini-batch gradient descent and report
/// per-epoch progress and the final metrics.
///
/// With no arguments it trains `2,16,16,2` ReLU with momentum on 1000 two-moons points
/// (800 train, 200 dev) for 100 epochs.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a network and print per-epoch progress and the final metrics.",
        discussion: """
            Examples:
              backprop train
              backprop train --layers 2,32,32,2 --activation tanh --optimizer sgd --lr 0.5 --epochs 300
              backprop train --dropout 0.2 --batch-norm --early-stopping 10 --json
            """)

    @OptionGroup(title: "Data") var dataOptions: DataOptions
    @OptionGroup(title: "Network") var networkOptions: NetworkOptions
    @OptionGroup(title: "Optimisation") var optimizationOptions: OptimizationOptions
    @OptionGroup(title: "Regularisation") var regularizationOptions: RegularizationOptions

    @Option(help: "Seed of every random choice (data, split, initialisation, shuffles, dropout).")
    var seed: UInt64 = 1

    @Option(name: .customLong("print-every"), help: "Print a progress line every k epochs (0: about 20 lines per run).")
    var printEvery: Int = 0

    @Flag(help: "Print only the final metrics, as one JSON object.")
    var json = false

    func validate() throws {
        guard printEvery >= 0 else { throw ValidationError("--print-every must be 0 or more, got \(printEvery)") }
    }

    func run() throws {
        do {
            let summary = try train { print($0) }
            if json { print(try summary.jsonText()) }
        } catch let error as TrainingError {
            throw CommandFailure(message: error.description)
        } catch let error as NetworkError {
            throw CommandFailure(message: error.description)
        } catch let error as ValidationError {
            // Checks that need the data (layer sizes against features): one line, no usage.
            throw CommandFailure(message: error.message)
        }
    }

    // MARK: - Training

    /// Trains as the flags say, sending progress lines to `output` (none with `--json`),
    /// and returns the final metrics.
    func train(output: @escaping (String) -> Void) throws -> TrainSummary {
        var random = RandomGenerator(seed: seed)
        let (training, dev) = try loadTrainingData(dataOptions, seed: random.next())
        let sizes = networkOptions.layers.sizes
        guard sizes.first == training.featureCount, sizes.last == training.outputCount else {
            throw ValidationError("--layers \(networkOptions.layers.defaultValueDescription) must start with \(training.featureCount) (features of \(dataOptions.data.rawValue)) and end with \(training.outputCount) (classes)")
        }
        let activation = try networkOptions.hiddenActivation
        let blueprint = NetworkBlueprint(
            sizes: sizes, hiddenActivation: activation, dropProbabilities: networkOptions.dropout?.values ?? [],
            inputNoise: networkOptions.inputNoise,
            batchNormalization: networkOptions.batchNorm ? networkOptions.batchNormPlacement : nil)
        let network: Sequential<Float> = try blueprint.build(seed: random.next())
        try initializeNetwork(network, choice: networkOptions.initializer, activation: activation, random: &random)
        let (schedule, scheduleCallbacks) = try makeSchedule(optimizationOptions.schedule, learningRate: optimizationOptions.learningRate)
        let trainer = Trainer(
            network: network, loss: SoftmaxCrossEntropy<Float>(), optimizer: try makeOptimizer(optimizationOptions.optimizer),
            schedule: schedule, regularizer: try makeRegularizer(l2: regularizationOptions.l2, l1: regularizationOptions.l1),
            options: TrainingOptions(epochs: optimizationOptions.epochs, batchSize: optimizationOptions.batchSize, seed: random.next()))

        var callbacks: [any TrainingCallback<Float>] = scheduleCallbacks
        let stopping = regularizationOptions.earlyStopping.map { EarlyStopping<Float>(monitor: .devCost, patienceStages: $0.stages) }
        if let stopping { callbacks.append(stopping) }
        let epochs = optimizationOptions.epochs
        let interval = printEvery > 0 ? printEvery : max(1, epochs / 20)
        if !json {
            output("\(network)")
            output("\(training.count) training and \(dev?.count ?? 0) dev examples, \(network.parameterCount) parameters, \(trainer.optimizer), batch \(optimizationOptions.batchSize)")
            callbacks.append(ClosureCallback<Float>(onEpochEnd: { _, record in
                if record.epoch == 1 || record.epoch % interval == 0 || record.epoch == epochs { output(Self.progressLine(record, of: epochs)) }
                return .proceed
            }))
        }
        let started = ContinuousClock.now
        let history = try trainer.fit(training, validation: dev, callbacks: callbacks)
        let seconds = Self.seconds(ContinuousClock.now - started)
        let evaluator = Evaluator<Float>()
        let trainResult = try evaluator.evaluate(network, loss: trainer.loss, on: training, regularizer: trainer.regularizer)
        let devResult = try dev.map { try evaluator.evaluate(network, loss: trainer.loss, on: $0, regularizer: trainer.regularizer, penaltyExampleCount: training.count) }
        let summary = TrainSummary(
            trainAccuracy: trainResult.accuracy ?? .nan, trainCost: trainResult.cost,
            devAccuracy: devResult?.accuracy, devCost: devResult?.cost,
            epochs: history.epochs.count, updates: history.batchCosts.count,
            learningRate: history.last?.learningRate ?? optimizationOptions.learningRate,
            seconds: seconds, stopReason: history.stopReason, network: network.description)
        if !json {
            if let reason = history.stopReason, let last = history.last {
                if !(last.epoch == 1 || last.epoch % interval == 0) { output(Self.progressLine(last, of: epochs)) }
                output("Stopped: \(reason)")
            }
            if let epoch = stopping?.bestEpoch { output("Restored the weights of epoch \(epoch), the best by \(dev == nil ? "train" : "dev") cost") }
            output(summary.sentence)
        }
        return summary
    }

    // MARK: - Printing

    /// `epoch   10/100  train cost 0.3012 acc 0.8750  dev cost 0.3110 acc 0.8650  lr 0.1  0.012 s`
    static func progressLine(_ record: EpochRecord, of epochs: Int) -> String {
        let width = String(epochs).count
        var line = "epoch " + String(repeating: " ", count: max(0, width - String(record.epoch).count)) + "\(record.epoch)/\(epochs)"
        line += "  train cost " + String(format: "%.4f", record.trainCost)
        if let accuracy = record.trainAccuracy { line += " acc " + String(format: "%.4f", accuracy) }
        if let cost = record.devCost { line += "  dev cost " + String(format: "%.4f", cost) }
        if let accuracy = record.devAccuracy { line += " acc " + String(format: "%.4f", accuracy) }
        line += "  lr " + String(format: "%.4g", record.learningRate)
        line += "  " + String(format: "%.3f", record.seconds) + " s"
        return line
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}

/// The final metrics of `backprop train`, printed by `--json` with snake_case keys.
struct TrainSummary: Codable, Equatable {
    var trainAccuracy: Double
    var trainCost: Double
    var devAccuracy: Double?
    var devCost: Double?
    var epochs: Int
    var updates: Int
    var learningRate: Double
    var seconds: Double
    var stopReason: String?
    var network: String

    enum CodingKeys: String, CodingKey {
        case trainAccuracy = "train_accuracy", trainCost = "train_cost", devAccuracy = "dev_accuracy", devCost = "dev_cost"
        case epochs, updates, learningRate = "learning_rate", seconds, stopReason = "stop_reason", network
    }

    /// One JSON object on one line, keys sorted.
    func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// A one-line human summary.
    var sentence: String {
        var text = "Trained \(epochs) epochs (\(updates) updates) in " + String(format: "%.2f", seconds) + " s: train accuracy "
            + String(format: "%.4f", trainAccuracy) + ", cost " + String(format: "%.4f", trainCost)
        if let devAccuracy, let devCost {
            text += "; dev accuracy " + String(format: "%.4f", devAccuracy) + ", cost " + String(format: "%.4f", devCost)
        }
        return text
    }
}

/// A failure reported as one line and a non-zero exit status.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
