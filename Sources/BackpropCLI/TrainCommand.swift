import ArgumentParser
import Backprop
import Foundation

/// `backprop train`: build a network, train it with mini-batch gradient descent and report
/// per-epoch progress and the final metrics.
///
/// Settings come from ``TrainingRecipe`` defaults, then a config file (`--config`), then
/// the flags given. With no arguments it trains `2,16,16,2` ReLU with momentum on 1000
/// two-moons points (600 train, 200 dev, 200 test) for 100 epochs.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a network and print per-epoch progress and the final metrics.",
        discussion: """
            Settings come from the defaults, then --config FILE (YAML or TOML, keys named like the flags), then the flags.

            Examples:
              backprop train
              backprop train --layers 2,32,32,2 --activation tanh --optimizer sgd --lr 0.5 --epochs 300
              backprop train --data mnist:DIR --scale mnist --layers 784,30,10 --optimizer adam --lr 0.001
              backprop train --dropout 0.2 --batch-norm before --early-stopping 10 --json
              backprop train --config run.yaml --epochs 50
            """)

    @Option(help: ArgumentHelp("A YAML or TOML file of settings named like the flags (flags given here win).", valueName: "file"))
    var config: String?

    @OptionGroup(title: "Data") var dataOptions: DataOptions
    @OptionGroup(title: "Network") var networkOptions: ArchitectureOptions
    @OptionGroup(title: "Optimisation") var optimizationOptions: OptimizationOptions
    @OptionGroup(title: "Regularisation") var regularizationOptions: RegularizationOptions
    @OptionGroup(title: "Model files and checkpoints") var runOutput: RunOutputOptions
    @OptionGroup(title: "Report") var reportOptions: ReportOptions
    @OptionGroup(title: "Execution") var execution: ExecutionOptions

    @Option(help: "Seed of every random choice (data, split, initialisation, shuffles, dropout; default: \(TrainingRecipe.defaultSeed)).")
    var seed: UInt64?

    @Option(name: .customLong("print-every"), help: "Print a progress line every k epochs (0: about 20 lines per run).")
    var printEvery: Int = 0

    @Flag(help: "Print only the final metrics, as one JSON object.")
    var json = false

    @Option(help: ArgumentHelp(
        "Data-parallel training: mpi (one network over the processes of mpirun, through Open MPI loaded at run time; fails without it) or off. Default: mpi when started by mpirun, else off.",
        valueName: "mpi|off"))
    var distributed: DistributedMode?

    func validate() throws {
        guard printEvery >= 0 else { throw ValidationError("--print-every must be 0 or more, got \(printEvery)") }
    }

    func run() throws {
        let summary = try reportingFailures { try train { print($0) } }
        if json { print(try summary.jsonText()) }
    }

    // MARK: - Settings

    /// The flags given on the command line, as config values keyed like ``TrainingRecipe/keys``.
    var flagValues: [String: ConfigValue] {
        var values = dataOptions.configurationValues
        let network = networkOptions, optimization = optimizationOptions, regularization = regularizationOptions
        if let layers = network.layers { values["layers"] = .list(layers.sizes.map(ConfigValue.int)) }
        if let activation = network.activation { values["activation"] = .string(activation.text) }
        if let dropout = network.dropout { values["dropout"] = .list(dropout.values.map(ConfigValue.double)) }
        if let noise = network.inputNoise { values["input-noise"] = .double(noise) }
        if let placement = network.batchNorm { values["batch-norm"] = .string(placement.rawValue) }
        if let initializer = network.initializer { values["init"] = .string(initializer.text) }
        if let loss = network.loss { values["loss"] = .string(loss.rawValue) }
        if let smoothing = network.labelSmoothing { values["label-smoothing"] = .double(smoothing) }
        if let output = network.outputActivation { values["output-activation"] = .string(output.text) }
        if let bias = network.biasInit { values["bias-init"] = .string(bias.text) }
        if network.allowSymmetric { values["allow-symmetric"] = .bool(true) }
        if let momentum = network.batchNormMomentum { values["batch-norm-momentum"] = .double(momentum) }
        if let epsilon = network.batchNormEpsilon { values["batch-norm-epsilon"] = .double(epsilon) }
        if let drop = network.inputDropout { values["input-dropout"] = .double(drop) }
        if let style = network.dropoutStyle { values["dropout-style"] = .string(style.rawValue) }
        if let optimizer = optimization.optimizer { values["optimizer"] = .string(optimizer.text) }
        if let rate = optimization.learningRate { values["lr"] = .double(rate) }
        if let size = optimization.batchSize { values["batch-size"] = .int(size) }
        if let epochs = optimization.epochs { values["epochs"] = .int(epochs) }
        if let schedule = optimization.schedule { values["schedule"] = .string(schedule.text) }
        if let accumulate = optimization.accumulate { values["accumulate"] = .int(accumulate) }
        if let ema = optimization.ema { values["ema"] = .double(ema) }
        if let precision = optimization.precision { values["precision"] = .string(precision.rawValue) }
        if runOutput.snapshotEnsemble { values["snapshot-ensemble"] = .bool(true) }
        if let l1 = regularization.l1 { values["l1"] = .double(l1) }
        if let l2 = regularization.l2 { values["l2"] = .double(l2) }
        if let maxNorm = regularization.maxNorm { values["max-norm"] = .double(maxNorm) }
        if let epsilon = regularization.adversarial { values["adversarial"] = .double(epsilon) }
        if let weight = regularization.adversarialWeight { values["adversarial-weight"] = .double(weight) }
        if let stages = regularization.earlyStopping { values["early-stopping"] = .list(stages.stages.map(ConfigValue.int)) }
        if let monitor = regularization.earlyStoppingMonitor { values["early-stopping-monitor"] = .string(monitor.rawValue) }
        if let seed { values["seed"] = .int(Int(truncatingIfNeeded: seed)) }
        return values
    }

    /// The recipe: defaults, then the config file, then the flags.
    func recipe() throws -> TrainingRecipe {
        let file = try config.map { try RunConfiguration.load(path: $0) } ?? RunConfiguration(entries: [])
        return try TrainingRecipe(configuration: file.overriding(with: flagValues),
                                  allowedExtraKeys: ReportOptions.configurationKeys + RunOutputOptions.configurationKeys)
    }

    // MARK: - Training

    /// Trains as the settings say, sending progress lines to `output` (none with `--json`),
    /// and returns the final metrics.
    func train(output: @escaping (String) -> Void) throws -> TrainSummary {
        let session = try RunSession.begin(options: try runOutput.completed(fromConfig: config),
                                           settingsGiven: config != nil || !flagValues.isEmpty, recipe: recipe)
        try dataOptions.fetch.prepare(session.recipe.data.value)
        let run = try TrainingRun(recipe: session.recipe)
        execution.apply(to: run)
        if let group = try DistributedMode.group(distributed) {
            run.trainer.group = group
            // Rank 0 alone prints and writes; the others take their share of every step.
            if group.rank != 0 { try session.follow(run) }
        }
        for warning in run.dataWarnings {
            if json { ProgressBar.standardError("warning: \(warning)\n") } else { output("warning: \(warning)") }
        }
        let splits = run.splits, network = run.network, trainer = run.trainer
        let epochs = run.recipe.epochs
        let interval = printEvery > 0 ? printEvery : max(1, epochs / 20)
        let progress = try ProgressSession(command: self, run: run, directory: session.folder)
        var callbacks: [any TrainingCallback<Float>] = progress.callbacks
        if let folder = session.tensorboardFolder {
            callbacks.append(try TensorBoardCallback<Float>(folder: folder, monitor: progress.monitor))
            if !json { output("TensorBoard: tensorboard --logdir \(folder.relativePath)") }
        }
        if !json {
            output("\(network)")
            output("\(splits.train.count) training, \(splits.dev?.count ?? 0) dev and \(splits.test?.count ?? 0) test examples, \(network.parameterCount) parameters, \(trainer.updateDescription), batch \(run.recipe.batchSize)")
            if let scaling = run.recipe.pixelScaleSummary { output("Pixel scale: \(scaling)") }
            callbacks.append(ClosureCallback<Float>(onEpochEnd: { _, record in
                if record.epoch == 1 || record.epoch % interval == 0 || record.epoch == epochs { output(Self.progressLine(record, of: epochs)) }
                return .proceed
            }))
        }
        let started = ContinuousClock.now
        let history = try session.fit(run, callbacks: callbacks)
        let seconds = Self.seconds(ContinuousClock.now - started)
        let result = try run.evaluate()
        var summary = TrainSummary(
            trainAccuracy: result.train.accuracy, trainCost: result.train.cost,
            devAccuracy: result.dev?.accuracy, devCost: result.dev?.cost,
            testAccuracy: result.test?.accuracy, testCost: result.test?.cost,
            epochs: history.epochs.count, updates: history.batchCosts.count,
            learningRate: history.last?.learningRate ?? run.recipe.learningRate,
            seconds: seconds, stopReason: history.stopReason, network: network.description)
        let averaged = try run.evaluateAveragedWeights()
        if let averaged { summary.compare(averaged: averaged) }
        if !json {
            if let reason = history.stopReason, let last = history.last {
                if !(last.epoch == 1 || last.epoch % interval == 0) { output(Self.progressLine(last, of: epochs)) }
                output("Stopped: \(reason)")
            }
            if let epoch = run.earlyStopping?.bestEpoch { output("Restored the weights of epoch \(epoch), the best by \(splits.dev == nil ? "train" : "dev") cost") }
            output(summary.sentence)
            if let line = summary.averagedSentence(decay: run.recipe.ema ?? 0) { output(line) }
        }
        try session.finish(run, metrics: summary.modelMetrics, averagedMetrics: summary.averagedModelMetrics(decay: run.recipe.ema),
                           report: json ? nil : output)
        return try progress.finish(history: history, evaluation: result, summary: summary, output: output)
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
        if let cost = record.averagedDevCost { line += "  ema dev cost " + String(format: "%.4f", cost) }
        if let accuracy = record.averagedDevAccuracy { line += " acc " + String(format: "%.4f", accuracy) }
        line += "  lr " + String(format: "%.4g", record.learningRate)
        line += "  " + String(format: "%.3f", record.seconds) + " s"
        return line
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}

/// `--distributed`: whether a training run shares its batches with the other processes of an
/// `mpirun` job.
enum DistributedMode: String, ExpressibleByArgument, CaseIterable {
    /// Through Open MPI (fails clearly without it).
    case mpi
    /// One process, even under `mpirun`.
    case off

    /// The group `mode` asks for: MPI's with `mpi` or (without a mode) when `mpirun`
    /// started the process, else `nil`.
    static func group(_ mode: DistributedMode?) throws -> (any DataParallelGroup)? {
        switch mode ?? (MPIGroup.isLaunchedByMPI ? .mpi : .off) {
        case .mpi: return try MPIGroup.world()
        case .off: return nil
        }
    }
}

/// The final metrics of `backprop train`, printed by `--json` with snake_case keys.
struct TrainSummary: Codable, Equatable {
    var trainAccuracy: Double?
    var trainCost: Double
    var devAccuracy: Double?
    var devCost: Double?
    var testAccuracy: Double?
    var testCost: Double?
    var epochs: Int
    var updates: Int
    var learningRate: Double
    var seconds: Double
    var stopReason: String?
    var network: String
    var verdict: String?
    var nextSteps: [String]?
    var runDirectory: String?
    /// The metrics of the averaged weights (`--ema`), `nil` without an average.
    var emaTrainAccuracy: Double?
    var emaTrainCost: Double?
    var emaDevAccuracy: Double?
    var emaDevCost: Double?
    var emaTestAccuracy: Double?
    var emaTestCost: Double?
    /// `averaged` or `live`: the weights with the better dev accuracy (dev cost for
    /// regression or a tie); `nil` without an average or a dev set.
    var betterOnDev: String?

    enum CodingKeys: String, CodingKey {
        case trainAccuracy = "train_accuracy", trainCost = "train_cost", devAccuracy = "dev_accuracy", devCost = "dev_cost"
        case testAccuracy = "test_accuracy", testCost = "test_cost"
        case epochs, updates, learningRate = "learning_rate", seconds, stopReason = "stop_reason", network
        case verdict, nextSteps = "next_steps", runDirectory = "run_directory"
        case emaTrainAccuracy = "ema_train_accuracy", emaTrainCost = "ema_train_cost", emaDevAccuracy = "ema_dev_accuracy"
        case emaDevCost = "ema_dev_cost", emaTestAccuracy = "ema_test_accuracy", emaTestCost = "ema_test_cost"
        case betterOnDev = "better_on_dev"
    }

    /// Records the evaluation of the averaged weights and which weights do better on dev.
    mutating func compare(averaged: (train: Evaluation, dev: Evaluation?, test: Evaluation?)) {
        (emaTrainAccuracy, emaTrainCost) = (averaged.train.accuracy, averaged.train.cost)
        (emaDevAccuracy, emaDevCost) = (averaged.dev?.accuracy, averaged.dev?.cost)
        (emaTestAccuracy, emaTestCost) = (averaged.test?.accuracy, averaged.test?.cost)
        guard let liveCost = devCost, let averagedCost = emaDevCost else { return }
        if let live = devAccuracy, let average = emaDevAccuracy, live != average {
            betterOnDev = average > live ? "averaged" : "live"
        } else {
            betterOnDev = averagedCost < liveCost ? "averaged" : "live"
        }
    }

    /// `Averaged weights (EMA d = 0.999): dev accuracy …; the averaged weights do better on dev`,
    /// or `nil` without an average.
    func averagedSentence(decay: Double) -> String? {
        guard let emaTrainCost else { return nil }
        var text = "Averaged weights (EMA d = \(decay)): train "
        if let emaTrainAccuracy { text += "accuracy " + String(format: "%.4f", emaTrainAccuracy) + ", " }
        text += "cost " + String(format: "%.4f", emaTrainCost)
        if let emaDevAccuracy { text += "; dev accuracy " + String(format: "%.4f", emaDevAccuracy) }
        if let emaDevCost { text += (emaDevAccuracy == nil ? "; dev " : ", ") + "cost " + String(format: "%.4f", emaDevCost) }
        if let emaTestAccuracy { text += "; test accuracy " + String(format: "%.4f", emaTestAccuracy) }
        if let emaTestCost { text += (emaTestAccuracy == nil ? "; test " : ", ") + "cost " + String(format: "%.4f", emaTestCost) }
        switch betterOnDev {
        case "averaged": text += " — better than the live weights on dev"
        case "live": text += " — the live weights do better on dev"
        default: text += " (no dev set to compare them on)"
        }
        return text
    }

    /// One JSON object on one line, keys sorted.
    func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// A one-line human summary.
    var sentence: String {
        var text = "Trained \(epochs) epochs (\(updates) updates) in " + String(format: "%.2f", seconds) + " s: train "
        if let trainAccuracy { text += "accuracy " + String(format: "%.4f", trainAccuracy) + ", " }
        text += "cost " + String(format: "%.4f", trainCost)
        if let devAccuracy, let devCost {
            text += "; dev accuracy " + String(format: "%.4f", devAccuracy) + ", cost " + String(format: "%.4f", devCost)
        }
        if let testAccuracy, let testCost {
            text += "; test accuracy " + String(format: "%.4f", testAccuracy) + ", cost " + String(format: "%.4f", testCost)
        }
        return text
    }
}
