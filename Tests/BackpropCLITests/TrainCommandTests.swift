import ArgumentParser
import Foundation
import Testing
@testable import BackpropCLI

@Suite("backprop train")
struct TrainCommandTests {
    static func parse(_ arguments: [String]) throws -> TrainCommand {
        let command = try BackpropCommand.parseAsRoot(["train"] + arguments)
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
        let command = try Self.parse([])
        #expect(command.dataOptions.data == .moons)
        #expect(command.networkOptions.layers.sizes == [2, 16, 16, 2])
        #expect(command.networkOptions.activation == "relu")
        #expect(command.optimizationOptions.optimizer == .momentum)
        #expect(command.optimizationOptions.learningRate == 0.1)
        #expect(command.optimizationOptions.batchSize == 32)
        #expect(command.networkOptions.initializer == .auto)
        #expect(command.optimizationOptions.schedule == .constant)
        #expect(!command.json && !command.networkOptions.batchNorm && command.networkOptions.dropout == nil)
    }

    @Test func parsesEveryFlag() throws {
        let command = try Self.parse([
            "--data", "moons", "--layers", "2,8,4,2", "--activation", "tanh", "--optimizer", "sgd", "--lr", "0.5",
            "--batch-size", "16", "--epochs", "7", "--seed", "9", "--l2", "0.3", "--l1", "0", "--dropout", "0.1,0.2",
            "--batch-norm", "--batch-norm-placement", "after", "--init", "lecun", "--schedule", "plateau",
            "--early-stopping", "4", "--json", "--print-every", "2", "--input-noise", "0.05",
        ])
        #expect(command.networkOptions.inputNoise == 0.05)
        #expect(command.networkOptions.layers.sizes == [2, 8, 4, 2])
        #expect(command.networkOptions.dropout?.values == [0.1, 0.2])
        #expect(command.networkOptions.batchNorm && command.networkOptions.batchNormPlacement == .afterActivation)
        #expect(command.networkOptions.initializer == .lecun)
        #expect(command.optimizationOptions.optimizer == .sgd && command.optimizationOptions.learningRate == 0.5)
        #expect(command.optimizationOptions.batchSize == 16 && command.optimizationOptions.epochs == 7)
        #expect(command.optimizationOptions.schedule == .plateau)
        #expect(command.regularizationOptions.l2 == 0.3 && command.regularizationOptions.earlyStopping?.stages == [4])
        #expect(command.seed == 9 && command.json && command.printEvery == 2)
    }

    @Test("bad values are named in the error", arguments: [
        (["--layers", "2,x,2"], "--layers"),
        (["--layers", "2"], "--layers"),
        (["--dropout", "1.5"], "--dropout"),
        (["--dropout", "0.1,0.2,0.3"], "--dropout"),
        (["--optimizer", "newton"], "--optimizer"),
        (["--lr", "-1"], "--lr"),
        (["--lr", "abc"], "--lr"),
        (["--batch-size", "0"], "--batch-size"),
        (["--epochs", "0"], "--epochs"),
        (["--activation", "swish"], "--activation"),
        (["--init", "magic"], "--init"),
        (["--schedule", "sometimes"], "--schedule"),
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
        #expect { try command.train { _ in } } throws: { "\($0)".contains("--layers 3,4,2 must start with 2") }
    }

    @Test func choicesNotYetConnectedSayWhichFlag() throws {
        for arguments in [["--optimizer", "adam"], ["--init", "xavier"], ["--schedule", "cosine"], ["--l1", "0.1"]] {
            let command = try Self.parse(arguments + ["--epochs", "1"])
            #expect { try command.train { _ in } } throws: { "\($0)".contains(arguments[0]) }
        }
    }

    @Test func shortRunPrintsProgressAndJSONHasTheKeys() throws {
        var lines: [String] = []
        let command = try Self.parse(["--epochs", "3", "--examples", "200", "--seed", "2"])
        let summary = try command.train { lines.append($0) }
        #expect(lines.filter { $0.hasPrefix("epoch") }.count == 3)
        #expect(lines.contains { $0.contains("train cost") && $0.contains("dev cost") && $0.contains("lr 0.1") })
        #expect(summary.epochs == 3 && summary.updates == 3 * 5)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(summary.jsonText().utf8)) as? [String: Any])
        for key in ["train_accuracy", "train_cost", "dev_accuracy", "dev_cost", "epochs", "seconds", "updates", "learning_rate"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect(object["epochs"] as? Int == 3)
        #expect((object["train_accuracy"] as? Double).map { $0 > 0.5 && $0 <= 1 } == true)
    }

    @Test func earlyStoppingStopsTheRunAndPrintsTheLastEpoch() throws {
        var lines: [String] = []
        // Growing patience 1 → 2; a dev set of 20 examples stops improving quickly.
        let command = try Self.parse(["--epochs", "300", "--examples", "100", "--early-stopping", "1,2", "--print-every", "1000"])
        let summary = try command.train { lines.append($0) }
        #expect(summary.epochs < 300)
        #expect(summary.stopReason?.contains("early stopping") == true)
        #expect(lines.contains { $0.hasPrefix("epoch") && $0.contains("\(summary.epochs)/300") })
        #expect(lines.contains { $0.hasPrefix("Restored the weights of epoch") })
    }

    @Test func jsonModePrintsNoProgressLines() throws {
        var lines: [String] = []
        let command = try Self.parse(["--epochs", "2", "--examples", "100", "--json"])
        _ = try command.train { lines.append($0) }
        #expect(lines.isEmpty)
    }

    @Test func sameSeedSameResult() throws {
        let first = try Self.parse(["--epochs", "4", "--examples", "200", "--dropout", "0.2", "--seed", "5"]).train { _ in }
        let second = try Self.parse(["--epochs", "4", "--examples", "200", "--dropout", "0.2", "--seed", "5"]).train { _ in }
        #expect(first.trainCost == second.trainCost && first.devCost == second.devCost)
    }

    @Test func theDefaultRunLearnsTheMoons() throws {
        let summary = try Self.parse([]).train { _ in }
        #expect(summary.trainAccuracy >= 0.95)
        #expect(try #require(summary.devAccuracy) >= 0.9)
    }

    @Test func helpListsTheChoices() {
        let help = BackpropCommand.helpMessage(for: TrainCommand.self)
        for word in ["--optimizer", "sgd", "momentum", "adamw", "--dropout", "--batch-norm", "--early-stopping", "--json", "--schedule", "plateau"] {
            #expect(help.contains(word), "help lacks \(word)")
        }
        #expect(BackpropCommand.helpMessage().contains("train"))
    }
}
