import Foundation
import BackpropCore
import BackpropModelFiles

/// Snapshot ensembles (Huang et al. 2017): one training run with warm restarts
/// (`cosine-restarts`) saves its model at the end of every cycle, where α has fallen to its
/// floor, as a member of an ensemble; the members' probabilities are averaged like those
/// of any saved ensemble.
///
/// The folder `snapshots/` of the run folder is an ensemble folder (`ensemble.json` and
/// `member-1/`, `member-2/`, … — member k is the model at the end of cycle k), rewritten
/// after each cycle so that it always lists the members saved so far. Writing reads the
/// network and touches no random generator, so a run with snapshots trains exactly as one
/// without, and a resumed run rewrites the same members byte for byte.
///
/// ```swift
/// let snapshots = try SnapshotEnsembleWriter(run: run, runFolder: folder)
/// try run.fit(epochCompleted: { try snapshots.epochCompleted($0) })
/// ```
public struct SnapshotEnsembleWriter {
    /// The ensemble folder inside a run folder.
    public static let folderName = "snapshots"

    /// The run whose network is saved.
    public let run: TrainingRun
    /// The schedule whose cycle ends trigger a save.
    public let schedule: CosineRestartsSchedule
    /// The ensemble folder, `<run folder>/snapshots`.
    public let folder: URL

    /// A writer for `run`, saving into `runFolder/snapshots`.
    ///
    /// - Throws: `NetworkError.unusable(what:reason:)` unless the recipe's schedule is
    ///   `cosine-restarts` with its period in epochs.
    public init(run: TrainingRun, runFolder: URL) throws {
        self.run = run
        schedule = try run.recipe.snapshotSchedule()
        folder = runFolder.appendingPathComponent(Self.folderName)
    }

    /// Saves a member when the epoch just completed (`context.epoch`, from 1) is the last of
    /// its cycle; returns the member's folder name, or `nil` when the epoch ends no cycle.
    ///
    /// - Throws: `ModelFileError` when a file cannot be written.
    @discardableResult
    public func epochCompleted(_ context: TrainingContext<Float>) throws -> String? {
        let index = context.epoch - 1
        guard index >= 0, schedule.endsCycle(at: index) else { return nil }
        let count = schedule.cycle(at: index).index + 1
        // The first member of a run starts a fresh folder: members of a replaced run go.
        if count == 1 { try? FileManager.default.removeItem(at: folder) }
        var metrics = ["epochs": Double(context.epoch)]
        if let record = context.history.last {
            metrics["train_cost"] = record.trainCost
            metrics["train_accuracy"] = record.trainAccuracy
            metrics["dev_cost"] = record.devCost
            metrics["dev_accuracy"] = record.devAccuracy
        }
        let member = try Model(run: run, metrics: metrics.filter(\.value.isFinite))
        let name = "member-\(count)"
        try member.save(to: folder.appendingPathComponent(name))
        let manifest = EnsembleManifest(
            members: (1...count).map { "member-\($0)" }, seeds: Array(repeating: run.recipe.seed, count: count),
            classNames: member.classNames, featureCount: member.manifest.featureCount, outputCount: member.manifest.outputCount)
        try AtomicFile.write(manifest.encoded(), to: folder.appendingPathComponent(EnsembleModel.manifestFileName))
        return name
    }
}
