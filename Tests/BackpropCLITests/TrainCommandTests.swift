import ArgumentParser
import Foundation
import Testing
import Backprop
@testable import BackpropCLI

@Suite("backprop train")
struct TrainCommandTests {
    static func parse(_ arguments: [String]) throws -> TrainCommand {
        // Model files go to a temporary folder, not runs/ in the working directory.
        let out = ["--out", FileManager.default.temporaryDirectory.appendingPathComponent("backprop-train-\(UUID().uuidString)").path]
        let command = try BackpropCommand.parseAsRoot(["train"] + arguments + out)
        return try #require(command as? TrainCommand)
    }

    /// The message the command would print for `arguments`, or `nil` when they parse.
    static func parseError(_ arguments: [String]) -> String? {
        do {
            _ = try BackpropCommand.parseAsRoot(["train"] + arguments)
            return nil
        } catch {
            return BackpropCommand.message(for: error)
        }
    }

    @Test func defaultsAreSensible() throws {
        let recipe = try Self.parse([]).recipe()
        #expect(recipe == TrainingRecipe())
        #expect(recipe.data == "moons:n=1000" && recipe.layers == nil && recipe.activation == "relu")
        #expect(recipe.optimizer == "momentum" && recipe.learningRate == 0.1 && recipe.batchSize == 32)
        #expect(recipe.initializer == "auto" && recipe.schedule == "constant" && recipe.dropout.isEmpty && recipe.batchNorm == nil)
    }

    @Test func eachOptimizerStartsFromItsOwnLearningRateUnlessOneIsGiven() throws {
        for (rule, expected) in [("sgd", 0.1), ("momentum", 0.1), ("classical-momentum", 0.01), ("nesterov", 0.01),
                                 ("rmsprop", 0.001), ("adam", 0.001), ("adamw:decay=0.1", 0.001)] {
            #expect(try Self.parse(["--optimizer", rule]).recipe().learningRate == expected, "\(rule)")
            #expect(try Self.parse(["--optimizer", rule, "--lr", "0.3"]).recipe().learningRate == 0.3, "\(rule) with --lr")
        }
        #expect(OptimizerName.allCases.allSatisfy { $0.defaultLearningRate > 0 })
    }

    @Test func parsesEveryFlag() throws {
        let command = try Self.parse([
            "--data", "moons", "--layers", "2,8,4,2", "--activation", "tanh", "--optimizer", "sgd", "--lr", "0.5",
            "--batch-size", "16", "--epochs", "7", "--seed", "9", "--l2", "0.3", "--l1", "0.1", "--dropout", "0.1,0.2",
            "--batch-norm", "after", "--init", "lecun", "--schedule", "plateau", "--max-norm", "3",
            "--early-stopping", "4", "--json", "--print-every", "2", "--input-noise", "0.05", "--loss", "mse",
            "--adversarial", "0.1", "--adversarial-weight", "0.3",
        ])
        let recipe = try command.recipe()
        #expect(recipe.inputNoise == 0.05 && recipe.layers == [2, 8, 4, 2] && recipe.activation == "tanh")
        #expect(recipe.dropout == [0.1, 0.2] && recipe.batchNorm == .afterActivation && recipe.initializer == "lecun")
        #expect(recipe.optimizer == "sgd" && recipe.learningRate == 0.5 && recipe.batchSize == 16 && recipe.epochs == 7)
        #expect(recipe.schedule == "plateau" && recipe.l2 == 0.3 && recipe.l1 == 0.1 && recipe.maxNorm == 3)
        #expect(recipe.earlyStopping == [4] && recipe.seed == 9 && recipe.lossName == "mse")
        #expect(recipe.adversarialTraining == AdversarialTraining(epsilon: 0.1, cleanWeight: 0.3))
        #expect(command.json && command.printEvery == 2)
    }

    @Test func adversarialSettingsAreCheckedInFlagsAndConfigFiles() throws {
        #expect(Self.parseError(["--adversarial", "0"])?.contains("--adversarial must be positive") == true)
        #expect(Self.parseError(["--adversarial", "0.1", "--adversarial-weight", "2"])?.contains("must lie in [0, 1]") == true)
        let lone = try RunConfiguration.parse("adversarial-weight: 0.3\n", format: .yaml, file: "a.yaml")
        let error = #expect(throws: ConfigError.self) { _ = try TrainingRecipe(configuration: lone) }
        #expect(error.map { "\($0)" }?.contains("adversarial-weight") == true && error.map { "\($0)" }?.contains("needs adversarial") == true)
        let both = try RunConfiguration.parse("adversarial: 0.2\n", format: .yaml, file: "b.yaml")
        #expect(try TrainingRecipe(configuration: both).adversarialTraining == AdversarialTraining(epsilon: 0.2, cleanWeight: 0.5))
    }

    @Test func flagsOverrideTheConfigFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("run.yaml")
        try "data: \"moons:n=300\"\nlayers: [2, 8, 2]\nlr: 0.05\nepochs: 12\n".write(to: file, atomically: true, encoding: .utf8)
        let recipe = try Self.parse(["--config", file.path, "--epochs", "3"]).recipe()
        #expect(recipe.data == "moons:n=300" && recipe.layers == [2, 8, 2] && recipe.learningRate == 0.05)
        #expect(recipe.epochs == 3, "the flag wins over the file")
        try "lr: fast\n".write(to: file, atomically: true, encoding: .utf8)
        #expect { try Self.parse(["--config", file.path]).recipe() } throws: { "\($0)".contains("run.yaml") && "\($0)".contains("lr") }
        try "learning-rate: 0.1\n".write(to: file, atomically: true, encoding: .utf8)
        #expect { try Self.parse(["--config", file.path]).recipe() } throws: { "\($0)".contains("learning-rate") }
    }

    @Test("bad values are named in the error", arguments: [
        (["--layers", "2,x,2"], "--layers"),
        (["--layers", "2"], "--layers"),
        (["--dropout", "1.5"], "--dropout"),
        (["--optimizer", "newton"], "--optimizer"),
        (["--lr", "-1"], "--lr"),
        (["--lr", "abc"], "--lr"),
        (["--batch-size", "0"], "--batch-size"),
        (["--epochs", "0"], "--epochs"),
        (["--activation", "mish"], "--activation"),
        (["--init", "magic"], "--init"),
        (["--schedule", "sometimes"], "--schedule"),
        (["--batch-norm", "sideways"], "--batch-norm"),
        (["--max-norm", "0"], "--max-norm"),
        (["--l2", "-0.5"], "--l2"),
        (["--input-noise", "-1"], "--input-noise"),
        (["--early-stopping", "0"], "--early-stopping"),
        (["--early-stopping", "10,x"], "--early-stopping"),
        (["--data", "mnist-nope"], "--data"),
    ])
    func badValuesAreNamed(arguments: [String], flag: String) throws {
        let message = try #require(Self.parseError(arguments), "\(arguments) should be refused")
        #expect(message.contains(flag), "\(message)")
    }

    @Test func layerSizesMustFitTheData() throws {
        let command = try Self.parse(["--layers", "3,4,2", "--epochs", "1"])
        #expect { try command.train { _ in } } throws: { "\($0)".contains("[3, 4, 2] must start with 2") }
        let dropout = try Self.parse(["--layers", "2,4,2", "--dropout", "0.1,0.2", "--epochs", "1"])
        #expect { try dropout.train { _ in } } throws: { "\($0)".contains("hidden") }
    }

    @Test("every optimiser, initialiser and schedule trains", arguments: [
        ["--optimizer", "adam", "--lr", "0.01"], ["--optimizer", "adamw", "--lr", "0.01", "--l2", "1"],
        ["--optimizer", "rmsprop", "--lr", "0.01"], ["--optimizer", "nesterov"], ["--optimizer", "sgd"],
        ["--init", "xavier"], ["--init", "orthogonal"], ["--init", "lsuv"], ["--schedule", "cosine"],
        ["--schedule", "step:every=2,factor=0.5"], ["--l1", "0.01"], ["--max-norm", "2"], ["--batch-norm", "before"],
    ])
    func everyChoiceTrains(arguments: [String]) throws {
        let summary = try Self.parse(arguments + ["--epochs", "5", "--data", "moons:n=300"]).train { _ in }
        #expect((summary.trainAccuracy ?? 0) > 0.7, "\(arguments): \(String(describing: summary.trainAccuracy))")
    }

    @Test func shortRunPrintsProgressAndJSONHasTheKeys() throws {
        var lines: [String] = []
        let command = try Self.parse(["--epochs", "3", "--data", "moons:n=200", "--seed", "2"])
        let summary = try command.train { lines.append($0) }
        #expect(lines.filter { $0.hasPrefix("epoch") }.count == 3)
        #expect(lines.contains { $0.contains("train cost") && $0.contains("dev cost") && $0.contains("lr 0.1") })
        // 200 examples → 120 train (60/20/20) → batches of 32: three full and one of 24.
        #expect(summary.epochs == 3 && summary.updates == 3 * 4)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(summary.jsonText().utf8)) as? [String: Any])
        for key in ["train_accuracy", "train_cost", "dev_accuracy", "dev_cost", "test_accuracy", "test_cost", "epochs", "seconds", "updates", "learning_rate"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect(object["epochs"] as? Int == 3)
        #expect((object["train_accuracy"] as? Double).map { $0 > 0.5 && $0 <= 1 } == true)
    }

    @Test func earlyStoppingStopsTheRunAndPrintsTheLastEpoch() throws {
        var lines: [String] = []
        // Growing patience 1 → 2; a dev set of 20 examples stops improving quickly.
        let command = try Self.parse(["--epochs", "300", "--data", "moons:n=100", "--early-stopping", "1,2", "--print-every", "1000"])
        let summary = try command.train { lines.append($0) }
        #expect(summary.epochs < 300)
        #expect(summary.stopReason?.contains("early stopping") == true)
        #expect(lines.contains { $0.hasPrefix("epoch") && $0.contains("\(summary.epochs)/300") })
        #expect(lines.contains { $0.hasPrefix("Restored the weights of epoch") })
    }

    @Test func jsonModePrintsNoProgressLines() throws {
        var lines: [String] = []
        let command = try Self.parse(["--epochs", "2", "--data", "moons:n=100", "--json"])
        _ = try command.train { lines.append($0) }
        #expect(lines.isEmpty)
    }

    @Test func sameSeedSameResult() throws {
        let first = try Self.parse(["--epochs", "4", "--data", "moons:n=200", "--dropout", "0.2", "--seed", "5"]).train { _ in }
        let second = try Self.parse(["--epochs", "4", "--data", "moons:n=200", "--dropout", "0.2", "--seed", "5"]).train { _ in }
        #expect(first.trainCost == second.trainCost && first.devCost == second.devCost)
    }

    /// `--eval-train full` measures the whole training set after every epoch; the default
    /// reports running means of the batches. Neither, nor `--threads`, changes the weights:
    /// the final metrics (exact passes after training) are the same bits.
    @Test func evalTrainAndThreadsChangeOnlyHowTheRunIsMeasured() throws {
        var running: [String] = [], full: [String] = []
        let base = ["--epochs", "3", "--data", "moons:n=200", "--seed", "3"]
        let first = try Self.parse(base).train { running.append($0) }
        let second = try Self.parse(base + ["--eval-train", "full", "--threads", "1"]).train { full.append($0) }
        #expect(first.trainCost == second.trainCost && first.devCost == second.devCost && first.testCost == second.testCost)
        let epochLines = { (lines: [String]) in lines.filter { $0.hasPrefix("epoch") } }
        #expect(epochLines(running).count == 3 && epochLines(running) != epochLines(full))
        #expect(epochLines(running).allSatisfy { $0.contains(" acc ") })
        #expect(Self.parseError(["--eval-train", "sometimes"]) != nil)
        #expect(Self.parseError(["--threads", "0"])?.contains("--threads must be at least 1") == true)
    }

    @Test func theDefaultRunLearnsTheMoons() throws {
        let summary = try Self.parse([]).train { _ in }
        #expect((summary.trainAccuracy ?? 0) >= 0.95)
        #expect(try #require(summary.devAccuracy) >= 0.9)
    }

    @Test func helpListsTheChoices() {
        let help = BackpropCommand.helpMessage(for: TrainCommand.self)
        for word in ["--optimizer", "sgd", "momentum", "adamw", "--dropout", "--batch-norm", "--early-stopping", "--json", "--schedule", "plateau", "--config"] {
            #expect(help.contains(word), "help lacks \(word)")
        }
        #expect(BackpropCommand.helpMessage().contains("train"))
    }

    @Test func theHelpSaysWhichSchemeAutoGivesTheOutputLayer() {
        let help = TrainCommand.helpMessage(columns: 10_000)
        #expect(help.contains("Xavier for the output layer whatever the hidden activation"))
        for flag in ["--output-activation", "--bias-init", "--allow-symmetric", "--input-dropout", "--batch-norm-momentum",
                     "--batch-norm-epsilon", "--early-stopping-monitor", "--classes", "--limit"] {
            #expect(help.contains(flag), "\(flag)")
        }
    }
}
