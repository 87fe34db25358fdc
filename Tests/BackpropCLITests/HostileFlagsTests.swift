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
