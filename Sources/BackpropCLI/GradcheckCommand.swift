import ArgumentParser
import Backprop
import Foundation

/// `backprop gradcheck`: checks back-propagation against central differences
/// on a randomly initialised `Double` network.
struct GradcheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradcheck",
        abstract: "Check back-propagated gradients against finite differences.",
        discussion: """
            Builds the network in double precision with seeded random weights (N(0, 1/fan-in)), \
            or takes a saved model's weights with --model DIR, random inputs and targets matching \
            the loss (one-hot for softmax-ce, 0/1 for binary-ce, reals for mse), and prints the \
            relative error d = ‖g̃ − g‖ / (‖g̃‖ + ‖g‖) of every parameter tensor for the training \
            objective: the loss plus the --l2/--l1 penalty (n = the batch), batch normalisation in \
            training mode (batch statistics), dropout and noise switched off. Exits with status 1 \
            when any tensor's d reaches the tolerance.
            """)

    @OptionGroup var network: GradcheckNetworkOptions
    @OptionGroup var lossOptions: LossOptions
    @OptionGroup var seedOptions: SeedOptions

    @Option(help: "Examples in the checked batch.")
    var batchSize = 8

    @Option(help: "Finite-difference step ε.")
    var epsilon = GradientCheck.defaultEpsilon

    @Option(help: "Largest per-tensor relative error that passes.")
    var tolerance = 1e-5

    @OptionGroup var output: OutputOptions

    @Option(help: "L2 strength λ of the penalty (λ/2n)·Σ‖W‖² in the checked objective (n = the batch).")
    var l2 = 0.0

    @Option(help: "L1 strength λ of the penalty (λ/n)·Σ|w| in the checked objective.")
    var l1 = 0.0

    func validate() throws {
        guard network.layers != nil || network.model != nil else { throw ValidationError("give --layers or --model DIR") }
        guard network.layers == nil || network.model == nil else { throw ValidationError("--layers and --model exclude each other: a model has its layers") }
        guard l2 >= 0, l1 >= 0, l2.isFinite, l1.isFinite else { throw ValidationError("--l2 and --l1 must be non-negative") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        guard epsilon > 0, epsilon.isFinite else { throw ValidationError("--epsilon must be positive, got \(epsilon)") }
        guard tolerance > 0 else { throw ValidationError("--tolerance must be positive, got \(tolerance)") }
    }

    // MARK: - Checking

    /// Builds the network, data and loss from the options (or the saved model) and runs the check.
    func report() throws -> GradientCheck.Report {
        var random = RandomGenerator(seed: seedOptions.seed)
        let model: Sequential<Double>, loss: any Loss<Double>, kind: LossKind
        if let folder = network.model {
            let saved = try Model.load(from: URL(fileURLWithPath: folder))
            model = try saved.manifest.blueprint.build(seed: seedOptions.seed, as: Double.self)
            for (copy, original) in zip(model.parameters, saved.network.parameters) {
                for index in 0..<copy.value.count { copy.value.base[index] = Double(original.value.base[index]) }
            }
            kind = try LossKind(parsing: saved.manifest.loss)
            loss = try kind.makeLoss(regression: saved.manifest.regression, output: saved.manifest.recipe.outputFunction(),
                                     labelSmoothing: saved.manifest.recipe.labelSmoothing ?? 0, scalar: Double.self)
        } else {
            model = try network.makeNetwork(Double.self)
            randomizeParameters(of: model, using: &random)
            kind = lossOptions.loss
            loss = kind.makeLoss(regression: true, scalar: Double.self)
        }
        let inputs = Matrix<Double>(rows: batchSize, columns: model.inputCount)
        for index in 0..<inputs.count { inputs.base[index] = random.normal() }
        let targets = try makeTargets(kind, rows: batchSize, columns: model.outputCount, using: &random)
        return try GradientCheck.run(
            network: model, loss: loss, inputs: inputs, targets: targets,
            epsilon: epsilon, regularizer: RegularizationPlan<Double>(l1: l1, l2: l2).global, tolerance: tolerance)
    }

    /// Weights from N(0, 1/fan-in); biases and other unregularised parameters (PReLU
    /// slopes) moved off their starting value by N(0, 0.1²) so no gradient is trivially zero.
    private func randomizeParameters(of model: Sequential<Double>, using random: inout RandomGenerator) {
        for parameter in model.parameters {
            let value = parameter.value
            let deviation = parameter.isRegularized ? (1 / Double(value.columns)).squareRoot() : 0.1
            for index in 0..<value.count {
                value.base[index] += random.normal(standardDeviation: deviation)
            }
        }
    }

    /// Targets of the loss's kind: one-hot rows, independent 0/1 labels or standard normals.
    private func makeTargets(_ kind: LossKind, rows: Int, columns: Int, using random: inout RandomGenerator) throws -> Matrix<Double> {
        switch kind {
        case .softmaxCrossEntropy:
            return try Matrix<Double>.oneHot(labels: (0..<rows).map { _ in random.integer(below: columns) }, classCount: columns)
        case .binaryCrossEntropy:
            return Matrix(rows: rows, columns: columns, elements: (0..<(rows * columns)).map { _ in random.bernoulli(0.5) ? 1 : 0 })
        case .quadratic:
            return Matrix(rows: rows, columns: columns, elements: (0..<(rows * columns)).map { _ in random.normal() })
        }
    }

    // MARK: - Output

    /// The `--json` document.
    struct JSONReport: Codable, Equatable {
        struct Tensor: Codable, Equatable {
            var name: String
            var relativeError: Double
            var elementCount: Int
        }
        var maxRelativeError: Double
        var overallRelativeError: Double
        var passed: Bool
        var verdict: String
        var tolerance: Double
        var epsilon: Double
        var tensors: [Tensor]
    }

    func jsonReport(_ report: GradientCheck.Report) -> JSONReport {
        JSONReport(
            maxRelativeError: report.maxRelativeError, overallRelativeError: report.overallRelativeError,
            passed: report.passed, verdict: report.verdict.rawValue, tolerance: report.tolerance, epsilon: epsilon,
            tensors: report.tensors.map { .init(name: $0.name, relativeError: $0.relativeError, elementCount: $0.elementCount) })
    }

    /// The report as aligned text.
    func text(_ report: GradientCheck.Report) -> String {
        let nameWidth = max(report.tensors.map(\.name.count).max() ?? 0, "Tensor".count)
        func padded(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(width - text.count, 0)) }
        func number(_ value: Double) -> String { String(format: "%.3e", value) }
        var lines = [
            "Gradient check of \(network.model.map { "model \($0)" } ?? "\(network.layers!) \(network.activation)")"
                + (network.batchNorm.map { ", batch norm \($0.rawValue)" } ?? "") + (l2 > 0 ? ", L2 λ = \(l2)" : "") + (l1 > 0 ? ", L1 λ = \(l1)" : "")
                + (network.model == nil ? ", loss \(lossOptions.loss.rawValue), " : ", ")
                + "batch \(batchSize), seed \(seedOptions.seed), ε = \(epsilon)",
            padded("Tensor", nameWidth) + "  Elements  Relative error",
        ]
        for tensor in report.tensors {
            let count = String(tensor.elementCount)
            lines.append(padded(tensor.name, nameWidth) + "  " + String(repeating: " ", count: max(8 - count.count, 0)) + count
                + "  " + number(tensor.relativeError) + "  " + GradientCheck.Verdict(relativeError: tensor.relativeError).rawValue)
        }
        lines.append("Max relative error: \(number(report.maxRelativeError)) (\(report.verdict.rawValue))")
        lines.append("Overall relative error: \(number(report.overallRelativeError))")
        lines.append(report.passed ? "PASSED (tolerance \(tolerance))" : "FAILED (tolerance \(tolerance))")
        return lines.joined(separator: "\n")
    }

    func run() throws {
        let report = try report()
        print(output.json ? try jsonText(jsonReport(report)) : text(report))
        if !report.passed { throw ExitCode.failure }
    }
}

/// The network `gradcheck` checks: `--layers`, `--activation` and `--batch-norm`, or a saved
/// model's (`--model DIR`).
struct GradcheckNetworkOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Layer sizes from input to output, comma-separated (at least two, each ≥ 1).", valueName: "sizes"))
    var layers: LayerSizes?

    @Option(help: ArgumentHelp("Hidden-layer activation (\(HiddenActivation.choiceList)); options as name:key=value, e.g. leaky-relu:alpha=0.1.", valueName: "activation"),
            transform: HiddenActivation.argument)
    var activation: HiddenActivation = .function(.relu)

    @Option(name: .customLong("batch-norm"), help: ArgumentHelp("Batch normalisation in every hidden layer (before or after the activation), checked in training mode.", valueName: "placement"))
    var batchNorm: BatchNormPlacement?

    @Option(help: ArgumentHelp("Check a saved model's weights (its loss and layers; --layers, --activation, --batch-norm and --loss do not apply).", valueName: "DIR"))
    var model: String?

    /// A network of the requested shape with zero weights (the output layer is linear).
    func makeNetwork<Scalar: NetworkScalar>(_: Scalar.Type = Scalar.self) throws -> Sequential<Scalar> {
        let sizes = layers?.sizes ?? []
        if batchNorm == nil { return try Sequential<Scalar>.mlp(sizes, hiddenActivation: activation) }
        let network = try NetworkBlueprint(sizes: sizes, hiddenActivation: activation, batchNormalization: batchNorm).build(seed: 0, as: Scalar.self)
        for parameter in network.parameters where parameter.isRegularized { parameter.value.fill(0) }
        return network
    }
}
