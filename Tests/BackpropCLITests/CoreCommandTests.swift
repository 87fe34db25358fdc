import ArgumentParser
import Backprop
import Foundation
import Testing
import Backprop
@testable import BackpropCLI

@Suite("backprop summary, gradcheck and bench")
struct CoreCommandTests {
    // MARK: - Parsing

    @Test func parsesSummaryOptions() throws {
        let command = try #require(try BackpropCommand.parseAsRoot(["summary", "--layers", "3,4,4,1", "--activation", "relu"]) as? SummaryCommand)
        #expect(command.network.layers.sizes == [3, 4, 4, 1])
        #expect(command.network.activation == .function(.relu))
        #expect(!command.output.json)
        #expect(try command.summary().totalParameterCount == 41)
    }

    @Test func parsesGradcheckOptionsWithDefaults() throws {
        let command = try #require(try BackpropCommand.parseAsRoot(["gradcheck", "--layers", "4, 5,3"]) as? GradcheckCommand)
        #expect(command.network.layers?.sizes == [4, 5, 3])
        #expect(command.network.activation == .function(.relu))
        #expect(command.lossOptions.loss == .softmaxCrossEntropy)
        #expect(command.seedOptions.seed == TrainingRecipe.defaultSeed)
        #expect(command.batchSize == 8)
        let custom = try #require(try BackpropCommand.parseAsRoot([
            "gradcheck", "--layers", "2,3", "--activation", "leaky-relu", "--loss", "binary-ce",
            "--seed", "7", "--batch-size", "3", "--json",
        ]) as? GradcheckCommand)
        #expect(custom.network.activation == .function(.leakyReLU()))
        #expect(custom.lossOptions.loss == .binaryCrossEntropy)
        #expect(custom.seedOptions.seed == 7 && custom.batchSize == 3 && custom.output.json)
    }

    @Test func everyNameParses() throws {
        #expect(HiddenActivation.names == ["identity", "sigmoid", "tanh", "relu", "leaky-relu", "elu", "gelu", "silu", "selu", "softmax", "prelu", "maxout"])
        #expect(LossKind.names == ["mse", "binary-ce", "softmax-ce"])
        for name in HiddenActivation.names {
            let command = try #require(try BackpropCommand.parseAsRoot(["summary", "--layers", "2,3,1", "--activation", name]) as? SummaryCommand)
            #expect(command.network.activation.name == name)
            #expect(command.network.activation.description == name)
        }
    }

    @Test func helpListsTheChoices() {
        let help = BackpropCommand.helpMessage(for: GradcheckCommand.self)
        for name in HiddenActivation.names + LossKind.names {
            #expect(help.contains(name), "\(name) missing from help")
        }
        #expect(help.contains("--batch-size"))
        #expect(help.contains("--seed"))
        let root = BackpropCommand.helpMessage()
        #expect(root.contains("summary") && root.contains("gradcheck") && root.contains("bench"))
    }

    @Test func everySeedOptionDefaultsToTheRecipeSeed() {
        let commands: [any ParsableCommand.Type] = [
            GradcheckCommand.self, TrainCommand.self, DataDescribeCommand.self, CrossValidateCommand.self, SearchCommand.self,
            EnsembleCommand.self, InspectInitCommand.self, LearningRateFinderCommand.self,
        ]
        for command in commands {
            let help = BackpropCommand.helpMessage(for: command).split(whereSeparator: \.isWhitespace).joined(separator: " ")
            let seedHelp = help.components(separatedBy: "--seed <seed> ").dropFirst().first?.components(separatedBy: " --").first ?? ""
            #expect(seedHelp.contains("default: \(TrainingRecipe.defaultSeed))"), "\(command): \(seedHelp)")
        }
        #expect(TrainingRecipe().seed == TrainingRecipe.defaultSeed)
    }

    // MARK: - Invalid values name the flag

    func errorMessage(_ arguments: [String]) -> String {
        do {
            _ = try BackpropCommand.parseAsRoot(arguments)
            return ""
        } catch {
            return BackpropCommand.message(for: error)
        }
    }

    @Test(arguments: [
        (["summary", "--layers", "3,4", "--activation", "mish"], ["--activation", "mish"]),
        (["gradcheck", "--layers", "3,4", "--loss", "hinge"], ["--loss", "hinge"]),
        (["summary", "--layers", "3,x,1"], ["--layers", "3,x,1"]),
        (["summary", "--layers", "3"], ["--layers", "'3'"]),
        (["summary", "--layers", "3,0,1"], ["--layers", "3,0,1"]),
        (["gradcheck", "--layers", "3,4", "--batch-size", "0"], ["--batch-size", "0"]),
        (["gradcheck", "--layers", "3,4", "--seed=-1"], ["--seed", "-1"]),
    ])
    func invalidValueIsRejected(arguments: [String], expectedFragments: [String]) {
        let message = errorMessage(arguments)
        #expect(!message.isEmpty, "\(arguments) parsed")
        for fragment in expectedFragments {
            #expect(message.contains(fragment), "\(message)")
        }
    }

    @Test func layersAreRequired() {
        #expect(errorMessage(["summary"]).contains("--layers"))
    }

    // MARK: - Running in-process

    func gradcheck(_ extra: [String]) throws -> GradcheckCommand {
        try #require(try BackpropCommand.parseAsRoot(["gradcheck"] + extra) as? GradcheckCommand)
    }

    @Test func gradcheckJSONHasTheDocumentedShape() throws {
        let command = try gradcheck(["--layers", "4,5,3", "--activation", "tanh", "--loss", "softmax-ce", "--json"])
        let report = try command.report()
        let text = try jsonText(command.jsonReport(report))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let maximum = try #require(object["max_relative_error"] as? Double)
        #expect(maximum < 1e-7)
        #expect(object["passed"] as? Bool == true)
        let tensors = try #require(object["tensors"] as? [[String: Any]])
        #expect(tensors.compactMap { $0["name"] as? String } == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"])
        #expect(tensors.allSatisfy { ($0["relative_error"] as? Double).map { $0 >= 0 && $0 <= maximum } ?? false })
    }

    @Test(arguments: LossKind.allCases)
    func gradcheckPassesForEveryLoss(loss: LossKind) throws {
        for activation in HiddenActivation.names {
            let report = try gradcheck(["--layers", "3,4,2", "--activation", activation, "--loss", loss.rawValue]).report()
            #expect(report.passed, "\(activation) \(loss): \(report.tensors)")
            #expect(report.maxRelativeError < 1e-6, "\(activation) \(loss): \(report.maxRelativeError)")
        }
    }

    @Test func gradcheckIsDeterministicPerSeed() throws {
        let first = try gradcheck(["--layers", "3,4,2", "--seed", "5"]).report()
        let second = try gradcheck(["--layers", "3,4,2", "--seed", "5"]).report()
        let other = try gradcheck(["--layers", "3,4,2", "--seed", "6"]).report()
        #expect(first.tensors == second.tensors)
        #expect(first.tensors != other.tensors)
    }

    @Test func gradcheckFailsWithAnImpossibleTolerance() throws {
        let command = try gradcheck(["--layers", "3,4,2", "--tolerance", "1e-300"])
        #expect(!(try command.report().passed))
        #expect(throws: ExitCode.failure) { try command.run() }
        let text = command.text(try command.report())
        #expect(text.contains("FAILED"))
        #expect(text.contains("layers.1.bias"))
    }

    @Test func summaryJSON() throws {
        let command = try #require(try BackpropCommand.parseAsRoot(["summary", "--layers", "3,4,4,1", "--json"]) as? SummaryCommand)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(try jsonText(command.summary()).utf8)) as? [String: Any])
        #expect(object["total_parameter_count"] as? Int == 41)
        #expect((object["rows"] as? [Any])?.count == 3)
    }

    @Test func benchCountsTheFiveProductsOfATwoLayerStep() throws {
        _ = try #require(try BackpropCommand.parseAsRoot(["bench", "core"]) as? CoreBenchCommand)
        let products = CoreBenchCommand.products(sizes: [784, 256, 10], batchSize: 128)
        #expect(products.count == 5)
        #expect(products.map { [$0.m, $0.n, $0.k] } == [[128, 256, 784], [128, 10, 256], [10, 256, 128], [128, 256, 10], [256, 784, 128]])
        let expectedFlops: Double = 2 * 128 * (256 * 784 * 2 + 10 * 256 * 3)
        let flops = products.reduce(0) { $0 + $1.flops }
        #expect(flops == expectedFlops)
    }

    @Test func benchRunsBriefly() throws {
        let command = try #require(try BackpropCommand.parseAsRoot(["bench", "core", "--layers", "20,8,3", "--batch-size", "4", "--rounds", "1", "--round-seconds", "0.01"]) as? CoreBenchCommand)
        let result = try #require(try command.measure().first)
        #expect(result.gemmGflops > 0 && result.stepGflops > 0 && result.ratio > 0)
        #expect(command.text(result).contains("Ratio"))
        #expect(result.productSeconds == nil, "products are timed alone only when asked")
    }

    @Test func benchTimesEachProductAloneWhenAsked() throws {
        let command = try #require(try BackpropCommand.parseAsRoot([
            "bench", "core", "--layers", "20,8,3", "--batch-size", "4", "--rounds", "1", "--round-seconds", "0.01", "--each-product",
        ]) as? CoreBenchCommand)
        let result = try #require(try command.measure().first)
        let seconds = try #require(result.productSeconds)
        #expect(seconds.count == result.products.count && seconds.allSatisfy { $0 > 0 && $0.isFinite })
        let text = command.text(result)
        #expect(text.contains("backward layers.0 dW = dZᵀ·X: 8×20×4 — ") && text.contains("GFLOP/s"))
    }

    @Test func benchComparesKernelsInOneProcessAndRefusesOnesTheCPULacks() throws {
        let available = FloatGEMMKernel.allCases.filter(\.isAvailable).map(\.rawValue)
        let command = try #require(try BackpropCommand.parseAsRoot([
            "bench", "core", "--layers", "20,8,3", "--batch-size", "4", "--rounds", "1", "--round-seconds", "0.01",
            "--kernels", available.joined(separator: ","),
        ]) as? CoreBenchCommand)
        let results = try command.measure()
        #expect(results.count == available.count && results.allSatisfy { $0.gemmGflops > 0 && $0.stepGflops > 0 })
        for kernel in FloatGEMMKernel.allCases where !kernel.isAvailable {
            let lacking = try #require(try BackpropCommand.parseAsRoot(["bench", "core", "--kernels", kernel.rawValue]) as? CoreBenchCommand)
            #expect(throws: NetworkError.self) { try lacking.engines() }
        }
        let unknown = try #require(try BackpropCommand.parseAsRoot(["bench", "core", "--kernels", "native-avx9"]) as? CoreBenchCommand)
        #expect(throws: NetworkError.self) { try unknown.engines() }
    }

    @Test func gradcheckCoversThePenaltyBatchNormAndASavedModel() throws {
        for placement in ["before", "after"] {
            let command = try #require(try BackpropCommand.parseAsRoot([
                "gradcheck", "--layers", "3,5,4,3", "--activation", "tanh", "--batch-norm", placement, "--l2", "0.7", "--l1", "0.2",
            ]) as? GradcheckCommand)
            let report = try command.report()
            #expect(report.passed, "\(report.tensors)")
            #expect(report.tensors.count >= 8, "\(report.tensors.map(\.name))")
        }
        let folder = CommandRunner.temporaryFolder()
        let trained = CommandRunner.execute(["train", "--out", folder.path, "--epochs", "2", "--json", "--data", "moons:n=100",
                                             "--layers", "2,6,2", "--batch-norm", "after", "--l2", "0.1"])
        try #require(trained.code == 0, "\(trained.message)")
        let saved = try #require(try BackpropCommand.parseAsRoot(["gradcheck", "--model", folder.path, "--l2", "0.1"]) as? GradcheckCommand)
        let report = try saved.report()
        #expect(report.passed && report.tensors.count == 6, "\(report.tensors.map(\.name))")
        #expect(saved.text(report).contains("model \(folder.path)"))
        #expect(throws: (any Error).self) { try BackpropCommand.parseAsRoot(["gradcheck"]) }
    }
}
