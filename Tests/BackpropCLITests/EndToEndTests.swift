import ArgumentParser
import Foundation
import Testing
import Backprop
@testable import BackpropCLI

/// Helpers for running commands in-process in a temporary folder.
enum CommandRunner {
    /// A new, not yet existing folder under the temporary directory.
    static func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("backprop-e2e-\(UUID().uuidString)")
    }

    /// Parses and runs `arguments` as the `backprop` command would, returning the exit
    /// code and the message printed for an error (empty on success).
    static func execute(_ arguments: [String]) -> (code: Int32, message: String) {
        do {
            var command = try BackpropCommand.parseAsRoot(arguments)
            try command.run()
            return (0, "")
        } catch {
            return (BackpropCommand.exitCode(for: error).rawValue, BackpropCommand.message(for: error))
        }
    }

    /// The command `arguments` parse to, as type `T`.
    static func parse<T: ParsableCommand>(_ arguments: [String], as _: T.Type = T.self) throws -> T {
        try #require(try BackpropCommand.parseAsRoot(arguments) as? T)
    }

    /// Every file under `folder` with its bytes.
    static func contents(of folder: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: folder.path)
        while let path = enumerator?.nextObject() as? String {
            var isFolder: ObjCBool = false
            let url = folder.appendingPathComponent(path)
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), !isFolder.boolValue {
                result[path] = try Data(contentsOf: url)
            }
        }
        return result
    }
}

@Suite("End to end: train, evaluate, predict, resume")
struct EndToEndTests {
    static let moons = ["--data", "moons:n=300", "--seed", "3"]

    @Test func trainThenEvaluateThenPredict() throws {
        let folder = CommandRunner.temporaryFolder()
        let train = try CommandRunner.parse(["train", "--out", folder.path, "--epochs", "20"] + Self.moons, as: TrainCommand.self)
        var lines: [String] = []
        let summary = try train.train { lines.append($0) }
        #expect(lines.contains { $0.hasPrefix("Saved the model to") })
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(files == ["checkpoint", "checkpoint-history.jsonl", "history.csv", "model.json", "model.safetensors", "monitor.json", "report.html"])
        let recorded = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("model.json"))) as? [String: Any])
        #expect(recorded["format"] as? String == "backprop-model" && recorded["format_version"] as? Int == 2)
        #expect((recorded["metrics"] as? [String: Double])?["test_accuracy"] == summary.testAccuracy)

        // evaluate: the recorded data's test split, the accuracy train reported.
        let evaluate = try CommandRunner.parse(["evaluate", folder.path], as: EvaluateCommand.self)
        let report = try evaluate.measure()
        #expect(report.part == "test" && report.evaluation.count == 60)
        let metrics = try #require(report.evaluation.classification)
        #expect(metrics.accuracy == summary.testAccuracy)
        #expect(abs(report.evaluation.cost - (try #require(summary.testCost))) < 1e-5)
        #expect(metrics.confusion.flatMap { $0 }.reduce(0, +) == 60)
        let text = try evaluate.report()
        #expect(text.contains("accuracy") && text.contains("confusion matrix") && text.contains("precision"))
        let json = try CommandRunner.parse(["evaluate", folder.path, "--json", "--part", "train"], as: EvaluateCommand.self).report()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let evaluation = try #require(object["evaluation"] as? [String: Any])
        let classification = try #require(evaluation["classification"] as? [String: Any])
        #expect(abs(try #require(classification["accuracy"] as? Double) - (try #require(summary.trainAccuracy))) < 1e-12)
        #expect(classification["log_loss"] != nil && classification["confusion"] != nil && classification["f1"] != nil)

        // predict: one row per input row, raw features in.
        let test = try #require(try TrainingRun.loadData(for: train.recipe()).test)
        var csv = "x0,x1\n"
        for row in 0..<test.count { csv += "\(test.features[row, 0]),\(test.features[row, 1])\n" }
        let input = folder.appendingPathComponent("points.csv"), output = folder.appendingPathComponent("predictions.csv")
        try csv.write(to: input, atomically: true, encoding: .utf8)
        let result = CommandRunner.execute(["predict", folder.path, "--input", input.path, "--output", output.path, "--proba"])
        #expect(result.code == 0, "\(result.message)")
        let predicted = try String(contentsOf: output, encoding: .utf8).split(separator: "\n")
        #expect(predicted.count == test.count + 1)
        #expect(predicted.first == "class,p_0,p_1")
        let classes = predicted.dropFirst().map { Int($0.split(separator: ",")[0])! }
        let correct = zip(classes, try #require(test.labels)).filter { $0 == $1 }.count
        #expect(Double(correct) / Double(test.count) == summary.testAccuracy)
        for line in predicted.dropFirst() {
            let p = line.split(separator: ",").dropFirst().map { Double($0)! }
            #expect(p.count == 2 && abs(p.reduce(0, +) - 1) < 1e-5)
        }
    }

    @Test func resumedRunEqualsTheStraightRunBitForBit() throws {
        let settings = ["--epochs", "7", "--dropout", "0.2", "--optimizer", "adam", "--lr", "0.01", "--batch-norm", "before",
                        "--early-stopping", "20", "--json"] + Self.moons
        let straight = CommandRunner.temporaryFolder(), interrupted = CommandRunner.temporaryFolder()
        #expect(CommandRunner.execute(["train", "--out", straight.path] + settings).code == 0)
        let stopped = CommandRunner.execute(["train", "--out", interrupted.path, "--stop-after", "3"] + settings)
        #expect(stopped.code == 0 && stopped.message.contains("--resume"), "\(stopped.message)")
        #expect(!FileManager.default.fileExists(atPath: interrupted.appendingPathComponent("model.json").path))
        #expect(try Checkpoint.read(from: interrupted).snapshot.epoch == 3)

        let refused = CommandRunner.execute(["train", "--resume", interrupted.path, "--lr", "0.5"])
        #expect(refused.code != 0 && refused.message.contains("--resume"))
        let resumed = CommandRunner.execute(["train", "--resume", interrupted.path, "--json"])
        #expect(resumed.code == 0, "\(resumed.message)")
        let a = try Data(contentsOf: straight.appendingPathComponent("model.safetensors"))
        let b = try Data(contentsOf: interrupted.appendingPathComponent("model.safetensors"))
        #expect(a == b, "the resumed run's weights differ from the straight run's")
        let straightModel = try Model.load(from: straight), resumedModel = try Model.load(from: interrupted)
        #expect(straightModel.manifest.recipe == resumedModel.manifest.recipe)

        let again = CommandRunner.execute(["train", "--resume", interrupted.path])
        #expect(again.code == 0 && again.message.contains("already finished"), "\(again.message)")
    }

    @Test func checkpointEveryZeroWritesNoCheckpoint() throws {
        let folder = CommandRunner.temporaryFolder()
        #expect(CommandRunner.execute(["train", "--out", folder.path, "--epochs", "2", "--checkpoint-every", "0", "--json"] + Self.moons).code == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["history.csv", "model.json", "model.safetensors", "monitor.json", "report.html"])
    }

    @Test func defaultRunFolderIsTimestampedAndUnique() throws {
        let parent = CommandRunner.temporaryFolder()
        let moment = Date(timeIntervalSince1970: 1_795_000_000)   // 2026-11-18 11:06:40 UTC
        let first = RunSession.defaultFolder(now: moment, parent: parent.path)
        #expect(first.path == parent.appendingPathComponent("runs/20261118-110640").path)
        try FileManager.default.createDirectory(at: first, withIntermediateDirectories: true)
        #expect(RunSession.defaultFolder(now: moment, parent: parent.path).lastPathComponent == "20261118-110640-2")
    }

    // MARK: - Failures

    /// A trained model folder for failure tests.
    static func trainedFolder() throws -> URL {
        let folder = CommandRunner.temporaryFolder()
        let result = CommandRunner.execute(["train", "--out", folder.path, "--epochs", "2", "--json"] + Self.moons)
        try #require(result.code == 0, "\(result.message)")
        return folder
    }

    @Test("A config file's out and checkpoint-every are read like their flags; a flag wins")
    func outputKeysInTheConfigFile() throws {
        let folder = CommandRunner.temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = folder.appendingPathComponent("run.yaml")
        let fromFile = folder.appendingPathComponent("from-file")
        try "out: \(fromFile.path)\ncheckpoint-every: 0\nepochs: 2\n".write(to: config, atomically: true, encoding: .utf8)
        let result = CommandRunner.execute(["train", "--config", config.path, "--json"] + Self.moons)
        try #require(result.code == 0, "\(result.message)")
        let written = try FileManager.default.contentsOfDirectory(atPath: fromFile.path)
        #expect(written.contains("model.json") && !written.contains("checkpoint"), "\(written)")

        let fromFlag = folder.appendingPathComponent("from-flag")
        let flagged = CommandRunner.execute(["train", "--config", config.path, "--out", fromFlag.path, "--checkpoint-every", "1", "--json"] + Self.moons)
        try #require(flagged.code == 0, "\(flagged.message)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: fromFlag.path).contains("checkpoint"))
    }

    @Test func badSettingsFailWithoutTouchingAnExistingRun() throws {
        let folder = try Self.trainedFolder()
        let before = try CommandRunner.contents(of: folder)
        let config = folder.deletingLastPathComponent().appendingPathComponent("bad-\(UUID().uuidString).yaml")
        try "lr: fast\n".write(to: config, atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["train", "--out", folder.path, "--bogus"], "--bogus"),
            (["train", "--out", folder.path, "--force", "--config", config.path], "lr"),
            (["train", "--out", folder.path, "--force", "--layers", "3,4,2", "--epochs", "1"], "must start with 2"),
            (["train", "--out", folder.path, "--epochs", "1"], "not empty"),
            (["train", "--out", folder.path, "--lr", "-1"], "--lr"),
        ]
        for (arguments, word) in cases {
            let result = CommandRunner.execute(arguments)
            #expect(result.code != 0, "\(arguments) should fail")
            #expect(result.message.contains(word), "\(arguments): \(result.message)")
            #expect(try CommandRunner.contents(of: folder) == before, "\(arguments) changed the run folder")
        }
    }

    @Test func brokenModelFilesGiveClearErrorsAndWriteNothing() throws {
        let folder = try Self.trainedFolder()
        let input = folder.appendingPathComponent("in.csv"), output = folder.appendingPathComponent("out.csv")
        try "0.1,0.2\n".write(to: input, atomically: true, encoding: .utf8)
        try "previous predictions\n".write(to: output, atomically: true, encoding: .utf8)
        let tensors = folder.appendingPathComponent("model.safetensors"), json = folder.appendingPathComponent("model.json")
        let goodTensors = try Data(contentsOf: tensors), goodJSON = try Data(contentsOf: json)

        func expectFailure(_ label: String, _ words: [String]) {
            for arguments in [["evaluate", folder.path], ["predict", folder.path, "--input", input.path, "--output", output.path]] {
                let result = CommandRunner.execute(arguments)
                #expect(result.code != 0, "\(label): \(arguments[0]) should fail")
                #expect(words.allSatisfy(result.message.contains), "\(label): \(result.message)")
                #expect((try? String(contentsOf: output, encoding: .utf8)) == "previous predictions\n", "\(label): output overwritten")
            }
        }
        try Data(goodTensors.prefix(goodTensors.count / 2)).write(to: tensors)
        expectFailure("truncated", ["model.safetensors", "truncated"])
        try goodTensors.write(to: tensors)

        try Data("{ not json".utf8).write(to: json)
        expectFailure("wrong JSON", ["model.json", "not a valid file"])
        try goodJSON.write(to: json)

        var file = try SafeTensors(data: goodTensors, file: "m")
        file.tensors.removeAll { $0.name == "layers.2.bias" }
        try file.encoded().write(to: tensors)
        expectFailure("missing tensor", ["model.safetensors", "layers.2.bias", "missing"])

        file = try SafeTensors(data: goodTensors, file: "m")
        file.tensors[0].shape = [file.tensors[0].shape[1], file.tensors[0].shape[0]]
        try file.encoded().write(to: tensors)
        expectFailure("shape mismatch", ["model.safetensors", "layers.0.weight", "shape"])
        try goodTensors.write(to: tensors)

        // The checkpoint too.
        let checkpoint = folder.appendingPathComponent("checkpoint/checkpoint.safetensors")
        try Data("garbage".utf8).write(to: checkpoint)
        try FileManager.default.removeItem(at: json)
        let resumed = CommandRunner.execute(["train", "--resume", folder.path])
        #expect(resumed.code != 0 && resumed.message.contains("checkpoint.safetensors"), "\(resumed.message)")
    }
}
