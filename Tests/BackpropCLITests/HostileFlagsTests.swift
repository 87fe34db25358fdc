import ArgumentParser
import Foundation
import Testing
import Backprop
@testable import BackpropCLI

/// Flags that used to be accepted silently although wrong, and the one folder rule.
@Suite("Hostile flags and folders")
struct HostileFlagsTests {
    @Test(arguments: [["--regression"], ["--target-column", "y"], ["--no-header"], ["--delimiter", ";"]])
    func fileOptionsWithASyntheticSourceAreRefused(flags: [String]) {
        #expect(throws: (any Error).self) {
            _ = try CommandRunner.parse(["train", "--data", "moons:n=40"] + flags, as: TrainCommand.self)
        }
    }

    @Test func epochsZeroIsRefusedInFlagsAndConfigFiles() throws {
        #expect(throws: (any Error).self) { _ = try CommandRunner.parse(["train", "--epochs", "0"], as: TrainCommand.self) }
        let config = try RunConfiguration.parse("epochs: 0\n", format: .yaml, file: "e.yaml")
        #expect(throws: ConfigError.self) { _ = try TrainingRecipe(configuration: config) }
    }

    @Test func ensembleRefusesANonEmptyFolder() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-ensemble-busy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: out) }
        try Data("{}".utf8).write(to: out.appendingPathComponent("model.json"))
        let command = try CommandRunner.parse([
            "ensemble", "--members", "2", "--data", "moons:n=60", "--layers", "2,4,2", "--epochs", "1", "--out", out.path,
        ], as: EnsembleCommand.self)
        let error = #expect(throws: CommandFailure.self) { _ = try command.train { _ in } }
        #expect(error?.message.contains("not empty") == true)
        #expect(try Data(contentsOf: out.appendingPathComponent("model.json")) == Data("{}".utf8))
    }
}

/// Interruptions and failures must never lose a resumable run.
@Suite("Checkpoints under failure")
struct CheckpointFailureTests {
    /// A regression set whose targets make plain SGD at α = 100 diverge after a dozen epochs, after checkpoints were written.
    static func divergingRegressionCSV() throws -> URL {
        let file = CommandRunner.temporaryFolder().appendingPathExtension("csv")
        let rows = (0..<40).map { "\(Double($0) / 4),\(Double($0) * 1e6)" }
        try ("x,y\n" + rows.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test func divergingRegressionStopsCleanlyWithoutAHalfWrittenCheckpoint() throws {
        let folder = CommandRunner.temporaryFolder()
        let csv = try Self.divergingRegressionCSV()
        let result = CommandRunner.execute(["train", "--out", folder.path, "--data", "csv:\(csv.path)", "--regression",
                                            "--layers", "1,4,1", "--lr", "100", "--epochs", "50"])
        #expect(result.code != 0)
        #expect(result.message.contains("NaN") || result.message.contains("infinite") || result.message.contains("non-finite"), "\(result.message)")
        #expect(!result.message.contains("EncodingError"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("checkpoint.next").path))
    }

    @Test func resumeKeepsTheRunsCheckpointInterval() throws {
        let folder = CommandRunner.temporaryFolder()
        let stopped = CommandRunner.execute(["train", "--out", folder.path, "--data", "moons:n=60", "--layers", "2,4,2",
                                             "--epochs", "9", "--checkpoint-every", "3", "--stop-after", "3"])
        #expect(stopped.code == 0, "\(stopped.message)")
        #expect(try Checkpoint.read(from: folder).checkpointEvery == 3)
    }

    @Test func aHistoryLineLeftByACrashedCheckpointWriteIsCutOffOnResume() throws {
        let settings = ["--data", "moons:n=80", "--layers", "2,6,2", "--epochs", "6", "--optimizer", "adam", "--dropout", "0.2"]
        let straight = CommandRunner.temporaryFolder(), interrupted = CommandRunner.temporaryFolder()
        #expect(CommandRunner.execute(["train", "--out", straight.path] + settings).code == 0)
        let stopped = CommandRunner.execute(["train", "--out", interrupted.path, "--stop-after", "3"] + settings)
        #expect(stopped.code == 0, "\(stopped.message)")
        // The next checkpoint's write crashed after appending part of its history line.
        let log = interrupted.appendingPathComponent(Checkpoint.historyFileName)
        let handle = try FileHandle(forWritingTo: log)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"batch_costs\":[0.69,".utf8))
        try handle.close()

        let resumed = CommandRunner.execute(["train", "--resume", interrupted.path])
        #expect(resumed.code == 0, "\(resumed.message)")
        let name = Model.tensorsFileName
        #expect(try Data(contentsOf: straight.appendingPathComponent(name)) == Data(contentsOf: interrupted.appendingPathComponent(name)))
        let lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 6 && !lines.contains { $0.hasSuffix(",") }, "\(lines)")
        #expect(try Checkpoint.read(from: interrupted).snapshot.history.epochs.map(\.epoch) == Array(1...6))
    }

    @Test func failedForceRunKeepsTheInterruptedRunResumable() throws {
        let folder = CommandRunner.temporaryFolder()
        let stopped = CommandRunner.execute(["train", "--out", folder.path, "--data", "moons:n=60", "--layers", "2,4,2",
                                             "--epochs", "6", "--stop-after", "2"])
        #expect(stopped.code == 0, "\(stopped.message)")
        let before = try Checkpoint.read(from: folder)
        let csv = try Self.divergingRegressionCSV()
        let failed = CommandRunner.execute(["train", "--out", folder.path, "--force", "--data", "csv:\(csv.path)", "--regression",
                                            "--layers", "1,4,1", "--lr", "100", "--epochs", "50"])
        #expect(failed.code != 0)
        #expect(try Checkpoint.read(from: folder) == before)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("checkpoint.replaced").path))
    }
}
