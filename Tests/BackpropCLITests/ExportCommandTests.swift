import ArgumentParser
import Foundation
import Testing
import Backprop
@testable import BackpropCLI

@Suite("backprop export and --tensorboard")
struct ExportCommandTests {
    /// The event files in `folder`.
    static func eventFiles(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasPrefix("events.out.tfevents.") }
    }

    @Test("export writes DIR/model.onnx or --output, for a model and an ensemble")
    func exportsModelAndEnsemble() throws {
        let folder = try PredictCommandTests.model()
        let line = try CommandRunner.parse(["export", folder.path, "--format", "onnx"], as: ExportCommand.self).export()
        #expect(line.contains("model.onnx") && line.contains("probabilities, label"))
        let bytes = try Data(contentsOf: folder.appendingPathComponent("model.onnx"))
        #expect(Array(bytes.prefix(2)) == [0x08, UInt8(ONNXExport.irVersion)])   // ModelProto.ir_version first
        #expect(try Model.load(from: folder).onnxData() == bytes)

        let second = try PredictCommandTests.model()
        let ensemble = CommandRunner.temporaryFolder()
        try EnsembleModel(members: [try Model.load(from: folder), try Model.load(from: second)]).save(to: ensemble)
        let output = ensemble.appendingPathComponent("out/ensemble.onnx")
        let result = CommandRunner.execute(["export", ensemble.path, "--output", output.path])
        #expect(result.code == 0, "\(result.message)")
        #expect(FileManager.default.fileExists(atPath: output.path))

        let missing = CommandRunner.execute(["export", CommandRunner.temporaryFolder().path])
        #expect(missing.code != 0 && missing.message.contains("model.json"))
        #expect(CommandRunner.execute(["export", folder.path, "--format", "tflite"]).code != 0)
    }

    @Test("train --tensorboard writes event files into the run folder, or into DIR")
    func trainWritesEventFiles() throws {
        let run = CommandRunner.temporaryFolder()
        var result = CommandRunner.execute(["train", "--out", run.path, "--data", "moons:n=120", "--epochs", "2", "--tensorboard", "--json"])
        #expect(result.code == 0, "\(result.message)")
        #expect(Self.eventFiles(run.appendingPathComponent("tensorboard")).count == 1)

        let other = CommandRunner.temporaryFolder(), logs = CommandRunner.temporaryFolder().appendingPathComponent("logs")
        result = CommandRunner.execute(["train", "--out", other.path, "--data", "moons:n=120", "--epochs", "2", "--tensorboard", logs.path, "--json"])
        #expect(result.code == 0, "\(result.message)")
        #expect(Self.eventFiles(logs).count == 1)
        #expect(!FileManager.default.fileExists(atPath: other.appendingPathComponent("tensorboard").path))

        let command = try CommandRunner.parse(["train", "--epochs", "2"], as: TrainCommand.self)
        #expect(command.runOutput.tensorboard == nil)
    }

    @Test("search --tensorboard writes one folder per trial")
    func searchWritesOneFolderPerTrial() throws {
        let folder = try SearchCommandTests.folder()
        let config = folder.appendingPathComponent("space.yaml").path
        try "data: \"moons:n=150\"\nlayers: [2, 8, 2]\nepochs: 2\nsearch:\n  lr: [0.05, 0.5]\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let logs = folder.appendingPathComponent("logs")
        _ = try SearchCommandTests.search(["--config", config, "--strategy", "grid", "--trials", "2",
                                           "--study", folder.appendingPathComponent("study.db").path, "--tensorboard", logs.path])
        let trials = try FileManager.default.contentsOfDirectory(atPath: logs.path).sorted()
        #expect(trials == ["trial-0", "trial-1"])   // numbered as the trial lines print them
        for trial in trials { #expect(Self.eventFiles(logs.appendingPathComponent(trial)).count == 1) }
    }
}
