import ArgumentParser
import Backprop
import Foundation

/// `--out`, `--force`, `--resume`, `--checkpoint-every`, `--stop-after`: where a training
/// run writes its model and checkpoints, and how it continues an interrupted run.
///
/// The run folder receives `checkpoint/` during training and `model.json` +
/// `model.safetensors` once training has ended; nothing is written into it before the
/// first checkpoint, and an existing model is only replaced after training succeeded.
/// `--out` must name a new or empty folder unless `--force` is given (an existing run is
/// continued with `--resume` instead).
struct RunOutputOptions: ParsableArguments {
    /// Config-file keys these options also read (a flag wins over the file).
    static let configurationKeys = ["out", "checkpoint-every"]

    @Option(help: ArgumentHelp("Folder receiving model.json, model.safetensors and checkpoint/ (default: a new runs/<yyyyMMdd-HHmmss>). It must be new or empty unless --force.", valueName: "dir"))
    var out: String?

    @Flag(help: "Allow --out to name an existing non-empty folder; its checkpoint and model files are replaced.")
    var force = false

    @Option(help: ArgumentHelp("Continue the run in DIR from its checkpoint, exactly as if never interrupted (no other settings allowed).", valueName: "dir"))
    var resume: String?

    @Option(name: .customLong("checkpoint-every"), help: ArgumentHelp("Write a checkpoint every N epochs and at the end (0: none; default 1, or the resumed run's).", valueName: "N"))
    var checkpointEvery: Int?

    @Option(name: .customLong("stop-after"), help: ArgumentHelp("Stop after epoch K as if interrupted, leaving a checkpoint to --resume from.", valueName: "K"))
    var stopAfter: Int?

    @Flag(name: .customLong("snapshot-ensemble"), help: ArgumentHelp(
        "Save the model at the end of every cycle of --schedule cosine-restarts into the run folder's snapshots/, an ensemble folder that evaluate, predict and export read (config key snapshot-ensemble)."))
    var snapshotEnsemble = false

    @Option(name: .customLong("tensorboard"), defaultAsFlag: "", parsing: .next, help: ArgumentHelp(
        "Write TensorBoard event files while training, flushed every epoch, into DIR (without DIR: the run folder's tensorboard/).", valueName: "dir"))
    var tensorboard: String? = nil

    /// These options with `out` and `checkpoint-every` taken from the config file at `path`
    /// where no flag gave them.
    func completed(fromConfig path: String?) throws -> RunOutputOptions {
        guard let path, out == nil || checkpointEvery == nil else { return self }
        let file = try RunConfiguration.load(path: path)
        var options = self
        if options.out == nil { options.out = try file.string("out") }
        if options.checkpointEvery == nil { options.checkpointEvery = try file.int("checkpoint-every", in: 0...Int.max) }
        return options
    }

    func validate() throws {
        if let checkpointEvery, checkpointEvery < 0 { throw ValidationError("--checkpoint-every must be 0 or more, got \(checkpointEvery)") }
        if let stopAfter, stopAfter < 1 { throw ValidationError("--stop-after must be at least 1, got \(stopAfter)") }
        if resume != nil, out != nil { throw ValidationError("--resume DIR writes into DIR; drop --out") }
        if resume != nil, force { throw ValidationError("--force does not apply to --resume") }
    }
}

/// A training run's folder and resume state, from ``RunOutputOptions``.
final class RunSession {
    /// The run folder.
    let folder: URL
    /// The recipe: the command's, or the checkpoint's when resuming.
    let recipe: TrainingRecipe
    /// The checkpoint to resume from, or `nil` for a fresh run.
    private let resumed: Checkpoint?
    /// The state to resume from, or `nil` for a fresh run.
    var snapshot: TrainingSnapshot? { resumed?.snapshot }
    private let options: RunOutputOptions
    /// Epochs between checkpoints: the flag, else the resumed run's, else 1.
    let checkpointEvery: Int

    private init(folder: URL, recipe: TrainingRecipe, resumed: Checkpoint?, options: RunOutputOptions) {
        self.folder = folder
        self.recipe = recipe
        self.resumed = resumed
        self.options = options
        checkpointEvery = options.checkpointEvery ?? resumed?.checkpointEvery ?? 1
    }

    /// Resolves the folder and the recipe. `settingsGiven` tells whether settings flags or
    /// a config file were given (refused with `--resume`).
    ///
    /// - Throws: ``CommandFailure`` for a folder that may not be used, ``ModelFileError``
    ///   for an unreadable checkpoint, `CleanExit` when the resumed run already finished.
    static func begin(options: RunOutputOptions, settingsGiven: Bool, recipe: () throws -> TrainingRecipe) throws -> RunSession {
        let files = FileManager.default
        if let resume = options.resume {
            guard !settingsGiven else {
                throw CommandFailure(message: "--resume continues the run exactly as recorded in \(resume)/checkpoint; settings flags and --config cannot be combined with it")
            }
            let folder = URL(fileURLWithPath: resume)
            let checkpoint = try Checkpoint.read(from: folder)
            if checkpoint.isFinished, files.fileExists(atPath: folder.appendingPathComponent(Model.manifestFileName).path) {
                let how = checkpoint.snapshot.history.stopReason.map { " (\($0))" } ?? ""
                throw CleanExit.message("\(resume): the run already finished after \(checkpoint.snapshot.epoch) epochs\(how); its model is \(resume)/\(Model.manifestFileName). Nothing to resume.")
            }
            return RunSession(folder: folder, recipe: checkpoint.recipe, resumed: checkpoint, options: options)
        }
        let folder: URL
        if let out = options.out {
            folder = URL(fileURLWithPath: out)
            try OutputFolder.check(out, force: options.force,
                                   alternatives: "choose a new folder, continue its run with --resume \(out), or replace its model and checkpoint with --force")
        } else {
            folder = defaultFolder()
        }
        return RunSession(folder: folder, recipe: try recipe(), resumed: nil, options: options)
    }

    /// `runs/<yyyyMMdd-HHmmss>` (UTC) under `parent` (the working directory by default),
    /// with `-2`, `-3`, … appended when it exists.
    static func defaultFolder(now: Date = Date(), parent: String = ".") -> URL {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let base = (parent == "." ? "" : parent + "/") + "runs/" + formatter.string(from: now)
        var candidate = base
        var suffix = 2
        while FileManager.default.fileExists(atPath: candidate) {
            candidate = "\(base)-\(suffix)"
            suffix += 1
        }
        return URL(fileURLWithPath: candidate)
    }

    /// The folder of `--tensorboard`, or `nil` without it.
    var tensorboardFolder: URL? {
        options.tensorboard.map { $0.isEmpty ? folder.appendingPathComponent("tensorboard") : URL(fileURLWithPath: $0) }
    }

    /// Trains `run` (from the snapshot when resuming), writing checkpoints as asked.
    ///
    /// - Throws: `CleanExit` after the checkpoint of `--stop-after K`.
    func fit(_ run: TrainingRun, callbacks: [any TrainingCallback<Float>]) throws -> TrainingHistory {
        let stopAfter = options.stopAfter, epochs = run.recipe.epochs, folder = folder
        let write: (TrainingContext<Float>) throws -> Void = Checkpoint.writer(
            recipe: run.recipe, into: folder, schedule: CheckpointSchedule(every: checkpointEvery, alsoAfter: stopAfter), resuming: resumed)
        // A --force run over an interrupted run keeps that run's checkpoint and history
        // aside until it has succeeded: a failure puts them back, so the old run can still
        // be resumed.
        let aside = try setAsideReplacedCheckpoint()
        do {
            let history = try fitWritingCheckpoints(run, callbacks: callbacks, stopAfter: stopAfter, epochs: epochs, write: write)
            discard(aside)
            return history
        } catch let error as CleanExit {
            discard(aside)
            throw error
        } catch {
            restore(aside)
            throw error
        }
    }

    /// The checkpoint folder and its history file, which `--force` sets aside together.
    private static let checkpointFiles = [Checkpoint.folderName, Checkpoint.historyFileName]

    /// Moves the checkpoint of the run `--force` replaces to `checkpoint.replaced/` and its
    /// history to `checkpoint-history.jsonl.replaced`; returns the names moved.
    private func setAsideReplacedCheckpoint() throws -> [String] {
        guard snapshot == nil, options.force else { return [] }
        let files = FileManager.default
        var moved: [String] = []
        for name in Self.checkpointFiles where files.fileExists(atPath: folder.appendingPathComponent(name).path) {
            let aside = folder.appendingPathComponent(name + ".replaced")
            try? files.removeItem(at: aside)
            do { try files.moveItem(at: folder.appendingPathComponent(name), to: aside) } catch {
                restore(moved)
                throw CommandFailure(message: "--force cannot set aside \(name) in \(folder.relativePath): \(error.localizedDescription)")
            }
            moved.append(name)
        }
        return moved
    }

    /// Deletes what was set aside, once the new run no longer needs it.
    private func discard(_ names: [String]) {
        for name in names { try? FileManager.default.removeItem(at: folder.appendingPathComponent(name + ".replaced")) }
    }

    /// Puts the set-aside checkpoint and history back in place of the failed run's.
    private func restore(_ names: [String]) {
        guard !names.isEmpty else { return }
        let files = FileManager.default
        for name in Self.checkpointFiles + [".next", ".previous"].map({ Checkpoint.folderName + $0 }) {
            try? files.removeItem(at: folder.appendingPathComponent(name))
        }
        for name in names {
            try? files.moveItem(at: folder.appendingPathComponent(name + ".replaced"), to: folder.appendingPathComponent(name))
        }
    }

    private func fitWritingCheckpoints(_ run: TrainingRun, callbacks: [any TrainingCallback<Float>], stopAfter: Int?, epochs: Int,
                                       write: @escaping (TrainingContext<Float>) throws -> Void) throws -> TrainingHistory {
        let folder = folder
        let snapshots = run.recipe.snapshotEnsemble == true ? try SnapshotEnsembleWriter(run: run, runFolder: folder) : nil
        return try run.fit(callbacks: callbacks, resumingFrom: snapshot) { context in
            // A member is saved before the checkpoint of its epoch, so a run resumed from
            // that checkpoint never misses one.
            try snapshots?.epochCompleted(context)
            try write(context)
            let epoch = context.epoch
            if stopAfter == epoch && context.history.stopReason == nil && epoch < epochs {
                throw CleanExit.message("Stopped after epoch \(epoch) of \(epochs) as asked; continue with: backprop train --resume \(folder.relativePath)")
            }
        }
    }

    /// Trains `run` as a process of rank > 0 of a data-parallel group: the same steps,
    /// evaluations and stops as rank 0 (which alone writes the checkpoints and the model),
    /// then exits quietly.
    func follow(_ run: TrainingRun) throws -> Never {
        let stopAfter = options.stopAfter, epochs = run.recipe.epochs
        _ = try run.fit(resumingFrom: snapshot) { context in
            if stopAfter == context.epoch && context.history.stopReason == nil && context.epoch < epochs { throw ExitCode.success }
        }
        _ = try run.evaluate()
        throw ExitCode.success
    }

    /// The folder of the averaged weights' model inside a run folder.
    static let averagedModelFolderName = "ema"

    /// Writes the model files once training has ended, and reports where (unless `report` is
    /// `nil`); with `averagedMetrics`, the model of the averaged weights too, in `ema/`.
    func finish(_ run: TrainingRun, metrics: [String: Double], averagedMetrics: [String: Double]? = nil,
                report: ((String) -> Void)?) throws {
        try Model(run: run, metrics: metrics.filter(\.value.isFinite)).save(to: folder)
        report?("Saved the model to \(folder.relativePath)/ (\(Model.manifestFileName), \(Model.tensorsFileName))")
        reportSnapshotEnsemble(of: run, in: folder, report: report)
        guard let averagedMetrics, let average = run.trainer.weightAverage else { return }
        let averagedFolder = folder.appendingPathComponent(Self.averagedModelFolderName)
        try average.withAveragedWeights {
            try Model(run: run, metrics: averagedMetrics.filter(\.value.isFinite)).save(to: averagedFolder)
        }
        report?("Saved the model of the averaged weights to \(averagedFolder.relativePath)/")
    }

    /// Reports the snapshot ensemble the run saved in `folder`, when it asked for one.
    private func reportSnapshotEnsemble(of run: TrainingRun, in folder: URL, report: ((String) -> Void)?) {
        let snapshots = folder.appendingPathComponent(SnapshotEnsembleWriter.folderName)
        let manifest = snapshots.appendingPathComponent(EnsembleModel.manifestFileName)
        if run.recipe.snapshotEnsemble == true, let data = try? Data(contentsOf: manifest),
           let ensemble = try? EnsembleManifest(data: data, file: manifest.path) {
            report?("Saved a snapshot ensemble of \(ensemble.members.count) members to \(snapshots.relativePath)/ (evaluate, predict and export read it)")
        }
    }
}

extension TrainSummary {
    /// The numbers recorded as the model's final metrics, keyed like `--json`.
    var modelMetrics: [String: Double] {
        finalMetrics(trainCost: trainCost, trainAccuracy: trainAccuracy, devCost: devCost, devAccuracy: devAccuracy,
                     testCost: testCost, testAccuracy: testAccuracy)
    }

    /// The final metrics of the averaged weights' model, keyed like the live model's, plus
    /// `ema_decay`; `nil` without an average.
    func averagedModelMetrics(decay: Double?) -> [String: Double]? {
        guard let decay, let emaTrainCost else { return nil }
        var metrics = finalMetrics(trainCost: emaTrainCost, trainAccuracy: emaTrainAccuracy, devCost: emaDevCost,
                                   devAccuracy: emaDevAccuracy, testCost: emaTestCost, testAccuracy: emaTestAccuracy)
        metrics["ema_decay"] = decay
        return metrics
    }

    /// One model's metrics with the run's epochs and seconds; a missing value leaves its key out.
    private func finalMetrics(trainCost: Double, trainAccuracy: Double?, devCost: Double?, devAccuracy: Double?,
                              testCost: Double?, testAccuracy: Double?) -> [String: Double] {
        var metrics = ["train_cost": trainCost, "epochs": Double(epochs), "seconds": seconds]
        metrics["train_accuracy"] = trainAccuracy
        metrics["dev_accuracy"] = devAccuracy
        metrics["dev_cost"] = devCost
        metrics["test_accuracy"] = testAccuracy
        metrics["test_cost"] = testCost
        return metrics
    }
}
