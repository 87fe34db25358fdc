import ArgumentParser
import Backprop
import Foundation

/// `backprop bench`: release-mode performance measurements.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure performance (build with -c release).",
        subcommands: [CoreBenchCommand.self])
}

/// `backprop bench core`: the throughput of the training step `backprop train` runs
/// (``TrainingStep``: forward, softmax cross-entropy, backward, NaN/Inf scan and a
/// gradient-descent update) of a multi-layer perceptron next to the raw GEMM throughput of
/// the same products.
///
/// A step of `784-256-10` at batch `m` runs five products: forward `X·W₁ᵀ`, `A₁·W₂ᵀ`;
/// backward `dZ₂ᵀ·A₁`, `dZ₂·W₂`, `dZ₁ᵀ·X` (the first layer's input gradient is skipped).
/// Each counts `2·m·n·k` floating-point operations. The ratio of the two rates is the share
/// of time the step spends in GEMM rather than in activations, the loss and bookkeeping.
/// Both rates are also given as a share of the peak FMA rate measured in the same process
/// (`PeakFMARate`: the widest vector width on the threads the products use).
struct CoreBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "core",
        abstract: "Training-step GFLOP/s of an MLP next to raw GEMM GFLOP/s of the same shapes.")

    @Option(help: ArgumentHelp("Layer sizes, comma-separated.", valueName: "sizes"))
    var layers = LayerSizes([784, 256, 10])

    @Option(help: "Rows per batch.")
    var batchSize = 128

    @Option(help: "Timed rounds of each kind; the fastest round counts.")
    var rounds = 40

    @Option(help: "Minimum seconds per round.")
    var roundSeconds = 0.05

    @Option(help: "Threads for products and element-wise kernels (default: the library's setting).")
    var threads: Int?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1, got \(rounds)") }
        guard roundSeconds > 0 else { throw ValidationError("--round-seconds must be positive, got \(roundSeconds)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    /// One product `C (m×n) = op(A)·op(B)` with inner dimension `k`.
    struct Product: Codable {
        var role: String
        var m: Int, n: Int, k: Int
        var transposeA: Bool, transposeB: Bool
        var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
    }

    /// The measured figures.
    struct Result: Codable {
        var layers: String
        var batchSize: Int
        var precision: String
        var blasBackend: String
        var blasKernel: String
        var blasThreads: Int
        var floatGEMMKernel: String
        var products: [Product]
        var flopsPerStep: Double
        var gemmSecondsPerStep: Double
        var stepSecondsPerStep: Double
        var gemmGflops: Double
        var stepGflops: Double
        var ratio: Double
        /// The in-register FMA peak at the widest vector width on the threads the products use.
        var peakGflops: Double
        var peak: String
    }

    /// The GEMMs of one training step of `sizes` at batch `m`, in execution order.
    static func products(sizes: [Int], batchSize m: Int) -> [Product] {
        let pairs = Array(zip(sizes, sizes.dropFirst()))
        var products = pairs.enumerated().map { index, pair in
            Product(role: "forward layers.\(index) X·Wᵀ", m: m, n: pair.1, k: pair.0, transposeA: false, transposeB: true)
        }
        for (index, pair) in pairs.enumerated().reversed() {
            products.append(Product(role: "backward layers.\(index) dW = dZᵀ·X", m: pair.1, n: pair.0, k: m, transposeA: true, transposeB: false))
            if index > 0 {
                products.append(Product(role: "backward layers.\(index) dX = dZ·W", m: m, n: pair.0, k: pair.1, transposeA: false, transposeB: false))
            }
        }
        return products
    }

    // MARK: - Measuring

    func measure() throws -> Result {
        var engine = ComputeEngine.default
        if let threads { engine.threadCount = threads }
        let sizes = layers.sizes
        let network = try Sequential<Float>.mlp(sizes, hiddenActivation: .function(.relu))
        network.engine = engine
        var random = RandomGenerator(seed: 1)
        for parameter in network.parameters {
            let deviation = parameter.isRegularized ? (2 / Double(parameter.value.columns)).squareRoot() : 0.01
            for index in 0..<parameter.value.count { parameter.value.base[index] = Float(random.normal(standardDeviation: deviation)) }
        }
        let inputs = Matrix<Float>(rows: batchSize, columns: sizes[0])
        for index in 0..<inputs.count { inputs.base[index] = Float(random.uniform()) }
        let classCount = sizes[sizes.count - 1]
        let targets = try Matrix<Float>.oneHot(labels: (0..<batchSize).map { _ in random.integer(below: classCount) }, classCount: classCount)
        let trainingStep = TrainingStep(network: network, loss: SoftmaxCrossEntropy<Float>(), optimizer: GradientDescent<Float>(),
                                        penaltyExampleCount: batchSize, batchCapacity: batchSize)
        let step = { _ = try trainingStep.run(features: inputs, targets: targets, learningRate: 1e-4) }

        let products = Self.products(sizes: sizes, batchSize: batchSize)
        let operands = products.map { product in
            (a: Matrix<Float>(rows: product.transposeA ? product.k : product.m, columns: product.transposeA ? product.m : product.k, repeating: 0.5),
             b: Matrix<Float>(rows: product.transposeB ? product.n : product.k, columns: product.transposeB ? product.k : product.n, repeating: 0.25),
             c: Matrix<Float>(rows: product.m, columns: product.n))
        }
        let gemms = {
            for (product, operand) in zip(products, operands) {
                GEMM.multiply(operand.a, operand.b, into: operand.c, transposeA: product.transposeA, transposeB: product.transposeB,
                              engine: engine)
            }
        }

        try step()
        gemms()
        var bestStep = Double.infinity, bestGEMM = Double.infinity
        for _ in 0..<rounds {
            bestGEMM = min(bestGEMM, try secondsPerCall(gemms))
            bestStep = min(bestStep, try secondsPerCall(step))
        }
        let flops = products.reduce(0) { $0 + $1.flops }
        let peak = PeakFMARate.measure(for: engine)
        return Result(
            layers: sizes.map(String.init).joined(separator: "-"), batchSize: batchSize, precision: Float.precisionName,
            blasBackend: BLASInfo.backendName, blasKernel: BLASInfo.kernelName, blasThreads: engine.threadCount,
            floatGEMMKernel: engine.floatGEMMKernel.description, products: products, flopsPerStep: flops, gemmSecondsPerStep: bestGEMM, stepSecondsPerStep: bestStep,
            gemmGflops: flops / bestGEMM / 1e9, stepGflops: flops / bestStep / 1e9, ratio: bestGEMM / bestStep,
            peakGflops: peak.gflops, peak: peak.description)
    }

    /// The mean seconds per call of `body` over a round of at least ``roundSeconds``.
    private func secondsPerCall(_ body: () throws -> Void) throws -> Double {
        let clock = ContinuousClock()
        var calls = 0
        let start = clock.now
        var elapsed = Duration.zero
        repeat {
            try body()
            calls += 1
            elapsed = clock.now - start
        } while elapsed < .milliseconds(Int(roundSeconds * 1000))
        let components = elapsed.components
        return (Double(components.seconds) + Double(components.attoseconds) * 1e-18) / Double(calls)
    }

    // MARK: - Output

    func text(_ result: Result) -> String {
        func rate(_ value: Double) -> String {
            String(format: "%7.2f GFLOP/s", value) + (result.peakGflops > 0 ? String(format: " (%.0f %% of peak)", value / result.peakGflops * 100) : "")
        }
        func milliseconds(_ value: Double) -> String { String(format: "%.3f ms", value * 1000) }
        var lines = [
            "Core benchmark: \(result.layers) relu, softmax-ce, \(result.precision), batch \(result.batchSize)",
            "Float matrix products: \(result.floatGEMMKernel); BLAS: \(result.blasBackend), kernel \(result.blasKernel), \(result.blasThreads) thread(s)",
            "GEMMs per step (C m×n = op(A)·op(B), inner k; 2·m·n·k FLOPs each):",
        ]
        for product in result.products {
            lines.append("  \(product.role): \(product.m)×\(product.n)×\(product.k)")
        }
        lines += [
            String(format: "FLOPs per step: %.1f M", result.flopsPerStep / 1e6),
            "Raw GEMM:          \(rate(result.gemmGflops))  (\(milliseconds(result.gemmSecondsPerStep)) per step)",
            "Training step:     \(rate(result.stepGflops))  (\(milliseconds(result.stepSecondsPerStep)) per step)",
            String(format: "Ratio: %.1f%% of raw GEMM throughput", result.ratio * 100),
            "Peak FMA rate: \(result.peak) (in-register loop)",
        ]
        return lines.joined(separator: "\n")
    }

    func run() throws {
        let result = try measure()
        print(output.json ? try jsonText(result) : text(result))
    }
}
