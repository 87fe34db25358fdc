import Foundation
import Testing
import Backprop
@testable import BackpropCLI

/// `--ema`, `--accumulate` and the one-cycle schedule through `backprop train`: the averaged
/// model saved beside the live one, its per-epoch dev metrics, resuming bit for bit, and
/// clear errors for bad values.
@Suite("train: weight average, gradient accumulation, one-cycle")
struct WeightAverageFlagsTests {
    static let settings = ["--data", "moons:n=300", "--seed", "5", "--epochs", "5", "--optimizer", "adam", "--lr", "0.02",
                           "--batch-norm", "before", "--dropout", "0.1", "--batch-size", "16",
                           "--ema", "0.9", "--accumulate", "2", "--schedule", "one-cycle:pct=0.3"]

    @Test func averagedModelIsSavedEvaluatedAndResumedBitForBit() throws {
        let straight = CommandRunner.temporaryFolder(), interrupted = CommandRunner.temporaryFolder()
        let command = try CommandRunner.parse(["train", "--out", straight.path] + Self.settings, as: TrainCommand.self)
        var lines: [String] = []
        let summary = try command.train { lines.append($0) }
        #expect(lines.contains { $0.hasPrefix("epoch") && $0.contains("ema dev cost") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("Averaged weights (EMA d = 0.9)") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("Saved the model of the averaged weights to") })
        #expect(summary.betterOnDev == "averaged" || summary.betterOnDev == "live")
        #expect(summary.emaDevAccuracy != nil && summary.emaTestAccuracy != nil)

        let averaged = straight.appendingPathComponent("ema")
        let manifest = try Model.load(from: averaged).manifest
        #expect(manifest.metrics["ema_decay"] == 0.9 && manifest.metrics["test_accuracy"] == summary.emaTestAccuracy)
        #expect(manifest.recipe.ema == 0.9 && manifest.recipe.accumulate == 2)
        let report = try CommandRunner.parse(["evaluate", averaged.path], as: EvaluateCommand.self).measure()
        #expect(report.evaluation.classification?.accuracy == summary.emaTestAccuracy)
        let csv = try String(contentsOf: straight.appendingPathComponent("history.csv"), encoding: .utf8)
        #expect(csv.hasPrefix((TrainingHistory.csvColumns + TrainingHistory.averagedCSVColumns).joined(separator: ",") + "\n"))

        let stopped = CommandRunner.execute(["train", "--out", interrupted.path, "--stop-after", "2", "--json"] + Self.settings)
        #expect(stopped.code == 0 && stopped.message.contains("--resume"), "\(stopped.message)")
        let resumed = CommandRunner.execute(["train", "--resume", interrupted.path, "--json"])
        #expect(resumed.code == 0, "\(resumed.message)")
        for file in ["model.safetensors", "ema/model.safetensors"] {
            let a = try Data(contentsOf: straight.appendingPathComponent(file))
            let b = try Data(contentsOf: interrupted.appendingPathComponent(file))
            #expect(a == b, "\(file) of the resumed run differs from the straight run's")
        }
        #expect(try Data(contentsOf: straight.appendingPathComponent("model.safetensors"))
                != Data(contentsOf: averaged.appendingPathComponent("model.safetensors")))
    }

    @Test func configKeysAndBadValues() throws {
        let folder = CommandRunner.temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = folder.appendingPathComponent("run.yaml")
        try "ema: 0.99\naccumulate: 4\nschedule: one-cycle:max=0.3\n".write(to: config, atomically: true, encoding: .utf8)
        let recipe = try CommandRunner.parse(["train", "--config", config.path], as: TrainCommand.self).recipe()
        #expect(recipe.ema == 0.99 && recipe.accumulate == 4 && recipe.schedule.text == "one-cycle:max=0.3")

        for (text, key) in [("ema: 1\n", "ema"), ("accumulate: 0\n", "accumulate")] {
            try text.write(to: config, atomically: true, encoding: .utf8)
            #expect(throws: ConfigError.self, "\(text)") { try CommandRunner.parse(["train", "--config", config.path], as: TrainCommand.self).recipe() }
            let result = CommandRunner.execute(["train", "--config", config.path, "--out", folder.appendingPathComponent("x").path])
            #expect(result.code != 0 && result.message.contains(key), "\(result.message)")
        }
        for (arguments, flag) in [(["--ema", "1"], "--ema"), (["--accumulate", "0"], "--accumulate"), (["--schedule", "one-cycle:pct=2"], "pct")] {
            let result = CommandRunner.execute(["train"] + arguments)
            #expect(result.code != 0 && result.message.contains(flag), "\(arguments): \(result.message)")
        }
    }
}
