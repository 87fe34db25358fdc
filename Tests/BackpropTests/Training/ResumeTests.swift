import Foundation
import Testing
import Backprop
@testable import BackpropCore
@testable import BackpropModelFiles
@testable import BackpropRecipes
@testable import BackpropRuns

/// Interrupting a run after epoch k and resuming it from its snapshot must give the
/// weights of an uninterrupted run bit for bit.
@Suite("Resuming training")
struct ResumeTests {
    struct Interrupted: Error {}

    /// A recipe exercising every piece of state: dropout and input-noise generators,
    /// batch-norm buffers, Adam moments, early stopping (best weights) and the plateau
    /// schedule (α factor), a partial last batch.
    static func recipe(epochs: Int = 8) -> TrainingRecipe {
        var recipe = TrainingRecipe()
        recipe.data = "moons:n=250"
        recipe.layers = [2, 12, 8, 2]
        recipe.dropout = [0.3]
        recipe.inputNoise = 0.05
        recipe.batchNorm = .beforeActivation
        recipe.optimizer = "adam"
        recipe.learningRate = 0.02
        recipe.batchSize = 16
        recipe.epochs = epochs
        recipe.schedule = "plateau"
        recipe.earlyStopping = [3]
        recipe.seed = 11
        return recipe
    }

    static func weights(_ network: Sequential<Float>) -> [[Float]] {
        network.parameters.map(\.value.elements) + network.namedBuffers.map(\.value.elements)
    }

    /// The snapshot taken at the end of epoch `k` of a fresh run, which is then aborted.
    static func snapshot(after k: Int, recipe: TrainingRecipe) throws -> TrainingSnapshot {
        let run = try TrainingRun(recipe: recipe)
        var saved: TrainingSnapshot?
        #expect(throws: Interrupted.self) {
            try run.fit(epochCompleted: { context in
                if context.epoch == k { saved = context.snapshot(); throw Interrupted() }
            })
        }
        return try #require(saved)
    }

    @Test("resumed after epoch k equals the straight run", arguments: [1, 3, 5])
    func resumeIsBitForBit(k: Int) throws {
        let recipe = Self.recipe()
        let straight = try TrainingRun(recipe: recipe)
        let straightHistory = try straight.fit()

        let snapshot = try Self.snapshot(after: k, recipe: recipe)
        #expect(snapshot.epoch == k && snapshot.history.epochs.count == k)
        let resumed = try TrainingRun(recipe: recipe)
        let resumedHistory = try resumed.fit(resumingFrom: snapshot)

        #expect(Self.weights(resumed.network) == Self.weights(straight.network))
        #expect(resumedHistory.batchCosts == straightHistory.batchCosts)
        #expect(resumedHistory.epochs.map(\.devCost) == straightHistory.epochs.map(\.devCost))
        #expect(resumedHistory.stopReason == straightHistory.stopReason)
        #expect(resumed.earlyStopping?.bestEpoch == straight.earlyStopping?.bestEpoch)
    }

    @Test func resumeThroughCheckpointFilesIsBitForBit() throws {
        let recipe = Self.recipe(epochs: 6)
        let straight = try TrainingRun(recipe: recipe)
        try straight.fit()

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-resume-\(UUID().uuidString)")
        let snapshot = try Self.snapshot(after: 2, recipe: recipe)
        try Checkpoint(recipe: recipe, snapshot: snapshot).write(into: folder)
        // A second write replaces the first and leaves no temporary folders behind.
        try Checkpoint(recipe: recipe, snapshot: snapshot).write(into: folder)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["checkpoint", "checkpoint-history.jsonl"])
        let read = try Checkpoint.read(from: folder)
        #expect(read.recipe == recipe)
        #expect(read.snapshot == snapshot, "the files must hold the snapshot exactly")
        #expect(!read.isFinished)

        let resumed = try TrainingRun(recipe: read.recipe)
        try resumed.fit(resumingFrom: read.snapshot)
        #expect(Self.weights(resumed.network) == Self.weights(straight.network))
    }

    @Test func sgdWithoutCallbacksResumesToo() throws {
        var recipe = TrainingRecipe()
        recipe.data = "moons:n=200"
        recipe.epochs = 5
        recipe.dropout = [0.2]
        let straight = try TrainingRun(recipe: recipe)
        try straight.fit()
        let resumed = try TrainingRun(recipe: recipe)
        try resumed.fit(resumingFrom: try Self.snapshot(after: 4, recipe: recipe))
        #expect(Self.weights(resumed.network) == Self.weights(straight.network))
    }

    @Test func aFinishedSnapshotTrainsNoMoreEpochs() throws {
        var recipe = Self.recipe(epochs: 3)
        recipe.earlyStopping = nil
        let run = try TrainingRun(recipe: recipe)
        var last: TrainingSnapshot?
        try run.fit(epochCompleted: { last = $0.snapshot() })
        let finished = try #require(last)
        #expect(Checkpoint(recipe: recipe, snapshot: finished).isFinished)
        let again = try TrainingRun(recipe: recipe)
        let history = try again.fit(resumingFrom: finished)
        #expect(history.epochs.count == 3)
        #expect(Self.weights(again.network) == Self.weights(run.network))
    }

    @Test func aSnapshotOfAnotherNetworkIsRefusedWithoutChanges() throws {
        let snapshot = try Self.snapshot(after: 1, recipe: Self.recipe())
        var other = Self.recipe()
        other.layers = [2, 10, 8, 2]
        let run = try TrainingRun(recipe: other)
        let before = Self.weights(run.network)
        #expect { try run.fit(resumingFrom: snapshot) } throws: { "\($0)".contains("does not fit") && "\($0)".contains("layers.1.weight has 24 values") }
        #expect(Self.weights(run.network) == before)
    }
}
