import Foundation
import Testing
import Backprop
@testable import BackpropCLI

/// `train --snapshot-ensemble`: one member per warm-restart cycle in `snapshots/`, read by
/// `evaluate`, `predict` and `export` as an ensemble, and resumed byte for byte.
@Suite("Snapshot ensembles")
struct SnapshotEnsembleTests {
    /// Three cycles of 2 epochs.
    static let settings = ["--epochs", "6", "--schedule", "cosine-restarts:period=2,min=0.001", "--lr", "0.3", "--snapshot-ensemble",
                           "--dropout", "0.1", "--json", "--data", "moons:n=300", "--seed", "4"]

    @Test func aRunSavesOneMemberPerCycleAndTheFolderIsAnEnsemble() throws {
        let folder = CommandRunner.temporaryFolder()
        let result = CommandRunner.execute(["train", "--out", folder.path] + Self.settings)
        #expect(result.code == 0, "\(result.message)")
        let snapshots = folder.appendingPathComponent("snapshots")
        let ensemble = try EnsembleModel.load(from: snapshots)
        #expect(ensemble.manifest.members == ["member-1", "member-2", "member-3"])
        #expect(ensemble.members.map { $0.manifest.metrics["epochs"] } == [2, 4, 6])
        // The last cycle ends with the run: its member is the final model.
        let final = try Data(contentsOf: folder.appendingPathComponent("model.safetensors"))
        #expect(try Data(contentsOf: snapshots.appendingPathComponent("member-3/model.safetensors")) == final)
        let first = try Data(contentsOf: snapshots.appendingPathComponent("member-1/model.safetensors"))
        let second = try Data(contentsOf: snapshots.appendingPathComponent("member-2/model.safetensors"))
        #expect(first != second && second != final, "members of different cycles must differ")

        // evaluate reads it as an ensemble: the log-loss of the mean probabilities.
        let report = try CommandRunner.parse(["evaluate", snapshots.path], as: EvaluateCommand.self).measure()
        let raw = try #require(try TrainingRun.loadData(for: ensemble.recipe).test)
        let direct = try ensemble.evaluate(raw)
        #expect(report.evaluation.count == raw.count && report.evaluation.classification?.accuracy == direct.classification?.accuracy)
        // predict and export too.
        var csv = "x0,x1\n"
        for row in 0..<3 { csv += "\(raw.features[row, 0]),\(raw.features[row, 1])\n" }
        let input = folder.appendingPathComponent("points.csv")
        try csv.write(to: input, atomically: true, encoding: .utf8)
        #expect(CommandRunner.execute(["predict", snapshots.path, "--input", input.path, "--output", folder.appendingPathComponent("p.csv").path]).code == 0)
        #expect(CommandRunner.execute(["export", snapshots.path, "--format", "onnx"]).code == 0)
        #expect(FileManager.default.fileExists(atPath: snapshots.appendingPathComponent("model.onnx").path))
    }

    @Test func resumingInTheMiddleOfACycleGivesTheSameFilesByteForByte() throws {
        let straight = CommandRunner.temporaryFolder(), interrupted = CommandRunner.temporaryFolder()
        #expect(CommandRunner.execute(["train", "--out", straight.path] + Self.settings).code == 0)
        // Epoch 3 is the first of the second cycle.
        let stopped = CommandRunner.execute(["train", "--out", interrupted.path, "--stop-after", "3"] + Self.settings)
        #expect(stopped.code == 0 && stopped.message.contains("--resume"), "\(stopped.message)")
        #expect(try EnsembleModel.load(from: interrupted.appendingPathComponent("snapshots")).members.count == 1)
        let resumed = CommandRunner.execute(["train", "--resume", interrupted.path, "--json"])
        #expect(resumed.code == 0, "\(resumed.message)")
        let expected = try CommandRunner.contents(of: straight.appendingPathComponent("snapshots"))
        let actual = try CommandRunner.contents(of: interrupted.appendingPathComponent("snapshots"))
        #expect(expected.keys.sorted() == actual.keys.sorted() && expected.count == 7)
        for (name, bytes) in expected { #expect(actual[name] == bytes, "\(name) differs after resuming") }
    }

    @Test func withoutTheWarmRestartScheduleItIsRefusedNamingTheFlag() throws {
        for schedule in ["constant", "cosine", "cosine-restarts:period-steps=50"] {
            let result = CommandRunner.execute(["train", "--out", CommandRunner.temporaryFolder().path, "--snapshot-ensemble",
                                                "--schedule", schedule, "--epochs", "2", "--json"])
            #expect(result.code != 0 && result.message.contains("snapshot-ensemble") && result.message.contains("cosine-restarts:period="),
                    "\(schedule): \(result.message)")
        }
        let file = CommandRunner.temporaryFolder().appendingPathExtension("yaml")
        try "snapshot-ensemble: true\nschedule: step\n".write(to: file, atomically: true, encoding: .utf8)
        #expect { try TrainCommand.parse(["--config", file.path]).recipe() } throws: {
            "\($0)".contains(file.lastPathComponent) && "\($0)".contains("snapshot-ensemble")
        }
        let recipe = try TrainCommand.parse(["--schedule", "cosine-restarts:period=5", "--snapshot-ensemble"]).recipe()
        #expect(recipe.snapshotEnsemble == true)
    }
}
