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
            random inputs and targets matching the loss (one-hot for softmax-ce, 0/1 for binary-ce, \
            reals for mse), and prints the relative error d = ‖g̃ − g‖ / (‖g̃‖ + ‖g‖) of every \
            parameter tensor. Exits with status 1 when any tensor's d reaches the tolerance.
            """)

    @OptionGroup var network: NetworkOptions
    @OptionGroup var lossOptions: LossOptions
    @OptionGroup var seedOptions: SeedOptions

    @Option(help: "Examples in the checked batch.")
    var batchSize = 8

    @Option(help: "Finite-difference step ε.")
    var epsilon = GradientCheck.defaultEpsilon

    @Option(help: "Largest per-tensor relative error that passes.")
    var tolerance = 1e-5

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        guard epsilon > 0, epsilon.isFinite else { throw ValidationError("--epsilon must be positive, got \(epsilon)") }
        guard tolerance > 0 else { throw ValidationError("--tolerance must be positive, got \(tolerance)") }
    }

    // MARK: - Checking

    /// Builds the network, data and loss from the options and runs the check.
    func report() throws -> GradientCheck.Report {
        let model = try network.makeNetwork(Double.self)
        var random = RandomGenerator(seed: seedOptions.seed)
        randomizeParameters(of: model, using: &random)
        let inputs = Matrix<Double>(rows: batchSize, columns: model.inputCount)
        for index in 0..<inputs.count { inputs.base[index] = random.normal() }
        let targets = try makeTargets(rows: batchSize, columns: model.outputCount, using: &random)
        return try GradientCheck.run(
            network: model, loss: lossOptions.loss.makeLoss(regression: true, scalar: Double.self), inputs: inputs, targets: targets,
            epsilon: epsilon, tolerance: tolerance)
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
    private func makeTargets(rows: Int, columns: Int, using random: inout RandomGenerator) throws -> Matrix<Double> {
        switch lossOptions.loss {
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
            "Gradient check of \(network.layers) \(network.activation), loss \(lossOptions.loss.rawValue), "
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
