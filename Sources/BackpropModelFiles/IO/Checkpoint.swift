import Foundation
import BackpropCore
import BackpropRecipes

/// A training checkpoint on disk: the folder `checkpoint/` of a run holds
/// `checkpoint.json` (format, recipe, epoch, step, α factor, generator states, callback
/// counters, and how much of the history file belongs to it) and `checkpoint.safetensors`
/// (float64 tensors: parameters and buffers under their network names, optimiser slots as
/// `optimizer.<slot>.<index>`, callback tensors as `callbacks.<key>.<index>`, and the
/// example order as `order`, one example index per element). The history — epoch records
/// and batch costs — goes to the append-only file `checkpoint-history.jsonl` beside the
/// folder, so that a checkpoint costs the same at epoch 5 and at epoch 5000.
///
/// Writing never leaves the run without a complete checkpoint: the new history lines are
/// appended, the new checkpoint is written to `checkpoint.next/`, the old folder is renamed
/// `checkpoint.previous/`, the new one takes its place and only then is the old one
/// deleted. Reading falls back to `checkpoint.previous/` when a crash happened between the
/// renames, and reads only the part of the history its `checkpoint.json` records.
///
/// ```swift
/// try run.fit(epochCompleted: Checkpoint.writer(recipe: recipe, into: runFolder, schedule: CheckpointSchedule(every: 1)))
/// let saved = try Checkpoint.read(from: runFolder)
/// try run.fit(resumingFrom: saved.snapshot)
/// ```
public struct Checkpoint: Sendable, Equatable {
    /// The `format` value of `checkpoint.json`.
    public static let formatName = "backprop-checkpoint"
    /// The format version written, and the newest read.
    public static let currentFormatVersion = 3
    /// The tensor holding the example order, from format 3 (before, a JSON array).
    static let orderTensorName = "order"
    /// The checkpoint's folder inside a run folder.
    public static let folderName = "checkpoint"
    /// The description file.
    public static let manifestFileName = "checkpoint.json"
    /// The tensor file.
    public static let tensorsFileName = "checkpoint.safetensors"
    /// The append-only history file inside a run folder, beside ``folderName``.
    public static let historyFileName = "checkpoint-history.jsonl"

    /// The recipe of the run.
    public var recipe: TrainingRecipe
    /// The state of the run at the end of an epoch.
    public var snapshot: TrainingSnapshot
    /// The run's epochs between checkpoints, so `--resume` keeps it; `nil` in checkpoints
    /// written before it was recorded.
    public var checkpointEvery: Int?
    /// The part of the run folder's history file this checkpoint was read with, from which
    /// a resumed run's writer appends; `nil` for a checkpoint not read from a folder or
    /// read from a format-1 one (history inside `checkpoint.json`).
    var historyExtent: CheckpointHistoryLog.Extent?

    /// A checkpoint of `snapshot` in the run of `recipe`.
    public init(recipe: TrainingRecipe, snapshot: TrainingSnapshot) {
        self.recipe = recipe
        self.snapshot = snapshot
    }

    /// `true` when the run ended: all epochs done or a callback stopped it.
    public var isFinished: Bool {
        snapshot.history.stopReason != nil || snapshot.epoch >= recipe.epochs
    }

    // MARK: - The JSON part

    /// What `checkpoint.json` holds; tensors are replaced by their names.
    struct Manifest: Codable {
        var format = Checkpoint.formatName
        var formatVersion = Checkpoint.currentFormatVersion
        var backpropVersion = BackpropVersion.current
        var recipe: TrainingRecipe
        var epoch: Int
        var step: Int
        var learningRateFactor: Double
        var parameterNames: [String]
        var bufferNames: [String]
        var optimizerStep: Int
        var optimizerSlots: [String: Int]
        var shuffleGeneratorState: [UInt64]
        var layerGeneratorStates: [NamedGenerator]
        /// The example order, in formats 1 and 2 (from format 3, a tensor).
        var order: [Int]?
        /// The whole history, in format 1.
        var history: TrainingHistory?
        /// The part of `checkpoint-history.jsonl` holding the history, from format 2.
        var historyLog: CheckpointHistoryLog.Extent?
        var stopReason: String?
        var callbackNumbers: [String: [String: Double]]
        var callbackTensorCounts: [String: Int]
        var checkpointEvery: Int?

        enum CodingKeys: String, CodingKey {
            case format, formatVersion = "format_version", backpropVersion = "backprop_version", recipe, epoch, step
            case learningRateFactor = "learning_rate_factor", parameterNames = "parameter_names", bufferNames = "buffer_names"
            case optimizerStep = "optimizer_step", optimizerSlots = "optimizer_slots"
            case shuffleGeneratorState = "shuffle_generator_state", layerGeneratorStates = "layer_generator_states"
            case order, history, historyLog = "history_log", stopReason = "stop_reason"
            case callbackNumbers = "callback_numbers", callbackTensorCounts = "callback_tensor_counts"
            case checkpointEvery = "checkpoint_every"
        }
    }

    // MARK: - Writing

    /// The `epochCompleted` handler of a run of `recipe` that writes its checkpoint into
    /// `runFolder` whenever `schedule` says. The first checkpoint starts the history file
    /// (or, for a run resumed from `resumed`, read from `runFolder`, continues it after
    /// `resumed`'s part); every later one appends only the epochs since the previous one.
    public static func writer<Scalar: NetworkScalar>(
        recipe: TrainingRecipe, into runFolder: URL, schedule: CheckpointSchedule, resuming resumed: Checkpoint? = nil
    ) -> (TrainingContext<Scalar>) throws -> Void {
        let written = WrittenHistory(extent: resumed?.historyExtent)
        return schedule.handler(epochs: recipe.epochs) {
            var checkpoint = Checkpoint(recipe: recipe, snapshot: $0)
            checkpoint.checkpointEvery = schedule.interval
            written.extent = try checkpoint.write(into: runFolder, historyAfter: written.extent)
        }
    }

    /// The part of the history file the last checkpoint of a ``writer(recipe:into:schedule:resuming:)`` holds.
    private final class WrittenHistory {
        var extent: CheckpointHistoryLog.Extent?
        init(extent: CheckpointHistoryLog.Extent?) { self.extent = extent }
    }

    /// Writes `checkpoint/` inside `runFolder` as described above, with a new history file
    /// holding the whole history (a run's successive checkpoints, written by
    /// ``writer(recipe:into:schedule:resuming:)``, append to it instead).
    ///
    /// - Throws: ``ModelFileError/unreadable(file:detail:)`` when the folder cannot be written.
    public func write(into runFolder: URL) throws {
        _ = try write(into: runFolder, historyAfter: nil)
    }

    /// Writes the checkpoint, appending its history after `extent` (`nil`: a new history
    /// file), and returns the extent of its history.
    private func write(into runFolder: URL, historyAfter extent: CheckpointHistoryLog.Extent?) throws -> CheckpointHistoryLog.Extent {
        let files = FileManager.default
        let target = runFolder.appendingPathComponent(Self.folderName)
        let next = runFolder.appendingPathComponent(Self.folderName + ".next")
        let previous = runFolder.appendingPathComponent(Self.folderName + ".previous")
        try? files.removeItem(at: next)
        let stored: CheckpointHistoryLog.Extent
        do {
            stored = try CheckpointHistoryLog(runFolder: runFolder).store(snapshot.history, after: extent)
            let (manifest, tensors) = parts(historyLog: stored)
            try AtomicFile.write(tensors.encoded(), to: next.appendingPathComponent(Self.tensorsFileName))
            try AtomicFile.write(VersionedJSON.encode(manifest), to: next.appendingPathComponent(Self.manifestFileName))
        } catch {
            // The half-written next checkpoint goes; the previous one stays as it was.
            try? files.removeItem(at: next)
            let reason = switch error {
            case let error as ModelFileError: error.description
            case is EncodingError: "a value cannot be written as JSON (a NaN or infinite number in the history?)"
            default: "\(error)"
            }
            let kept = files.fileExists(atPath: target.path) ? "the previous checkpoint is intact" : "there is no earlier checkpoint"
            throw ModelFileError.unreadable(file: target.path, detail: "the checkpoint of epoch \(snapshot.epoch) was not written (\(reason)); \(kept)")
        }
        do {
            try? files.removeItem(at: previous)
            if files.fileExists(atPath: target.path) { try files.moveItem(at: target, to: previous) }
            try files.moveItem(at: next, to: target)
            try? files.removeItem(at: previous)
        } catch {
            throw ModelFileError.unreadable(file: target.path, detail: "cannot replace the checkpoint: \(error.localizedDescription)")
        }
        return stored
    }

    private func parts(historyLog: CheckpointHistoryLog.Extent) -> (Manifest, SafeTensors) {
        let snapshot = snapshot
        var tensors: [SafeTensors.Tensor] = []
        func add(_ name: String, _ values: [Double]) {
            tensors.append(SafeTensors.Tensor(name: name, shape: [values.count], values: values, dtype: .float64))
        }
        for entry in snapshot.parameters + snapshot.buffers { add(entry.name, entry.values) }
        for slot in snapshot.optimizerState.slots.keys.sorted() {
            for (index, values) in snapshot.optimizerState.slots[slot]!.enumerated() { add("optimizer.\(slot).\(index)", values) }
        }
        for key in snapshot.callbackStates.keys.sorted() {
            for (index, values) in snapshot.callbackStates[key]!.tensors.enumerated() { add("callbacks.\(key).\(index)", values) }
        }
        add(Self.orderTensorName, snapshot.order.map(Double.init))
        let manifest = Manifest(
            recipe: recipe, epoch: snapshot.epoch, step: snapshot.step, learningRateFactor: snapshot.learningRateFactor,
            parameterNames: snapshot.parameters.map(\.name), bufferNames: snapshot.buffers.map(\.name),
            optimizerStep: snapshot.optimizerState.step, optimizerSlots: snapshot.optimizerState.slots.mapValues(\.count),
            shuffleGeneratorState: snapshot.shuffleGeneratorState, layerGeneratorStates: snapshot.layerGeneratorStates,
            historyLog: historyLog, stopReason: snapshot.history.stopReason,
            callbackNumbers: snapshot.callbackStates.mapValues(\.numbers),
            callbackTensorCounts: snapshot.callbackStates.mapValues(\.tensors.count), checkpointEvery: checkpointEvery)
        let metadata = ["backprop_format": Self.formatName, "format_version": String(Self.currentFormatVersion), "epoch": String(snapshot.epoch)]
        return (manifest, SafeTensors(tensors: tensors, metadata: metadata))
    }

    // MARK: - Reading

    /// `true` when `runFolder` holds a checkpoint (or the previous one of an interrupted swap).
    public static func exists(in runFolder: URL) -> Bool {
        let files = FileManager.default
        return [folderName, folderName + ".previous"].contains {
            files.fileExists(atPath: runFolder.appendingPathComponent($0).appendingPathComponent(manifestFileName).path)
        }
    }

    /// Reads the checkpoint of `runFolder`.
    ///
    /// - Throws: ``ModelFileError`` naming the file: missing, truncated, foreign, newer
    ///   format, missing tensors, or a JSON and tensor file of different epochs.
    public static func read(from runFolder: URL) throws -> Checkpoint {
        let files = FileManager.default
        var folder = runFolder.appendingPathComponent(folderName)
        if !files.fileExists(atPath: folder.path) {
            let previous = runFolder.appendingPathComponent(folderName + ".previous")
            guard files.fileExists(atPath: previous.path) else {
                throw ModelFileError.unreadable(file: folder.path, detail: "no checkpoint: \(runFolder.path) is not a resumable run folder")
            }
            folder = previous
        }
        let manifestURL = folder.appendingPathComponent(manifestFileName)
        let tensorsURL = folder.appendingPathComponent(tensorsFileName)
        let data: Data
        do { data = try Data(contentsOf: manifestURL) } catch {
            throw ModelFileError.unreadable(file: manifestURL.path, detail: "cannot read: \(error.localizedDescription)")
        }
        let manifest = try VersionedJSON.decode(Manifest.self, from: data, file: manifestURL.path,
                                                format: formatName, supported: currentFormatVersion)
        let tensorFile = try SafeTensors(contentsOf: tensorsURL)
        guard tensorFile.metadata["backprop_format"] == formatName else {
            throw ModelFileError.malformed(file: tensorsURL.path, detail: "not a backprop checkpoint (no backprop_format metadata)")
        }
        if let version = tensorFile.metadata["format_version"].flatMap(Int.init), version > currentFormatVersion {
            throw ModelFileError.newerFormat(file: tensorsURL.path, found: version, supported: currentFormatVersion)
        }
        guard tensorFile.metadata["epoch"] == String(manifest.epoch) else {
            throw ModelFileError.malformed(file: tensorsURL.path, detail: "holds epoch \(tensorFile.metadata["epoch"] ?? "?"), \(manifestFileName) says \(manifest.epoch)")
        }
        let byName = Dictionary(tensorFile.tensors.map { ($0.name, $0.values) }, uniquingKeysWith: { first, _ in first })
        func values(_ name: String) throws -> [Double] {
            guard let values = byName[name] else { throw ModelFileError.missingTensor(file: tensorsURL.path, name: name) }
            return values
        }
        let parameters = try manifest.parameterNames.map { NamedValues(name: $0, values: try values($0)) }
        let buffers = try manifest.bufferNames.map { NamedValues(name: $0, values: try values($0)) }
        var slots: [String: [[Double]]] = [:]
        for (slot, count) in manifest.optimizerSlots {
            slots[slot] = try (0..<count).map { try values("optimizer.\(slot).\($0)") }
        }
        var callbackStates: [String: CallbackState] = [:]
        for (key, numbers) in manifest.callbackNumbers {
            let count = manifest.callbackTensorCounts[key] ?? 0
            callbackStates[key] = CallbackState(numbers: numbers, tensors: try (0..<count).map { try values("callbacks.\(key).\($0)") })
        }
        let history: TrainingHistory
        if let extent = manifest.historyLog {
            let (epochs, batchCosts) = try CheckpointHistoryLog(runFolder: runFolder).read(extent)
            history = TrainingHistory(batchCosts: batchCosts, epochs: epochs, stopReason: manifest.stopReason)
        } else if let inline = manifest.history {
            history = inline
        } else {
            throw ModelFileError.malformed(file: manifestURL.path, detail: "missing key \"history_log\"")
        }
        let snapshot = TrainingSnapshot(
            epoch: manifest.epoch, step: manifest.step, learningRateFactor: manifest.learningRateFactor,
            parameters: parameters, buffers: buffers, optimizerState: OptimizerState(step: manifest.optimizerStep, slots: slots),
            shuffleGeneratorState: manifest.shuffleGeneratorState, layerGeneratorStates: manifest.layerGeneratorStates,
            history: history, order: try manifest.order ?? exampleOrder(try values(orderTensorName), file: tensorsURL.path),
            callbackStates: callbackStates)
        var checkpoint = Checkpoint(recipe: manifest.recipe, snapshot: snapshot)
        checkpoint.checkpointEvery = manifest.checkpointEvery
        checkpoint.historyExtent = manifest.historyLog
        return checkpoint
    }

    /// The example indices stored as the float64 tensor `order`: each a whole number from 0
    /// below 2⁵³ (exact in a float64).
    private static func exampleOrder(_ values: [Double], file: String) throws -> [Int] {
        try values.enumerated().map { position, value in
            guard value >= 0, value < 0x1p53, value.rounded(.towardZero) == value else {
                throw ModelFileError.malformed(file: file, detail: "tensor \"\(orderTensorName)\" element \(position) is \(value), not an example index")
            }
            return Int(value)
        }
    }
}
