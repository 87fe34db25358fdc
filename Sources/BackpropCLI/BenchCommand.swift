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

    @Option(help: ArgumentHelp(
        "Float product kernels to measure in this process, comma-separated, rounds interleaved so that the ratios are fair under load: native-avx512, native-avx2, blas, or native-bf16 (AVX-512 BF16 products; default: the kernel backprop info names).",
        valueName: "kernels"))
    var kernels: String?

    @Flag(help: "Also time each product alone and print its time and GFLOP/s (and, with several kernels, its ratio).")
    var eachProduct = false

    @OptionGroup var output: OutputOptions

    /// The engines of ``kernels``, or the default engine; each with ``threads`` when given.
    func engines() throws -> [(name: String, engine: ComputeEngine)] {
        var base = ComputeEngine.default
        if let threads { base.threadCount = threads }
        guard let kernels else { return [(base.floatGEMMKernel.rawValue, base)] }
        return try kernels.split(separator: ",").map { text in
            let name = text.trimmingCharacters(in: .whitespaces).lowercased()
            var engine = base
            if name == "native-bf16" {
                try ProductPrecision.bf16.checkAvailable()
                engine.precision = .bf16
            } else {
                engine.floatGEMMKernel = try ComputeEngine.kernelChoice([ComputeEngine.kernelEnvironmentVariable: name]).kernel
            }
            return (name, engine)
        }
    }

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
        /// Seconds per call of each product of ``products`` alone (with `--each-product`).
        var productSeconds: [Double]?
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

    /// One engine's network, step and products, ready to time.
    struct Setup {
        var name: String
        var engine: ComputeEngine
        var step: () throws -> Void
        /// One closure per product, in the order of ``CoreBenchCommand/products(sizes:batchSize:)``.
        var products: [() -> Void]
        func gemms() { for product in products { product() } }
    }

    func setup(name: String, engine: ComputeEngine, products: [Product]) throws -> Setup {
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
        trainingStep.foldsFirstLayerDescent = true  // as `train` runs every batch but an epoch's last
        let operands = products.map { product in
            (a: Matrix<Float>(rows: product.transposeA ? product.k : product.m, columns: product.transposeA ? product.m : product.k, repeating: 0.5),
             b: Matrix<Float>(rows: product.transposeB ? product.n : product.k, columns: product.transposeB ? product.k : product.n, repeating: 0.25),
             c: Matrix<Float>(rows: product.m, columns: product.n))
        }
        return Setup(
            name: name, engine: engine,
            step: { _ = try trainingStep.run(features: inputs, targets: targets, learningRate: 1e-4) },
            products: zip(products, operands).map { product, operand in
                {
                    GEMM.multiply(operand.a, operand.b, into: operand.c, transposeA: product.transposeA, transposeB: product.transposeB,
                                  engine: engine)
                }
            })
    }

    /// The figures of every engine of ``engines()``, their rounds interleaved.
    func measure() throws -> [Result] {
        let products = Self.products(sizes: layers.sizes, batchSize: batchSize)
        let setups = try engines().map { try setup(name: $0.name, engine: $0.engine, products: products) }
        for setup in setups {
            try setup.step()
            setup.gemms()
        }
        var bestStep = [Double](repeating: .infinity, count: setups.count), bestGEMM = bestStep
        var bestProduct = [[Double]](repeating: [Double](repeating: .infinity, count: products.count), count: setups.count)
        for _ in 0..<rounds {
            for (index, setup) in setups.enumerated() {
                bestGEMM[index] = min(bestGEMM[index], try secondsPerCall(setup.gemms))
                bestStep[index] = min(bestStep[index], try secondsPerCall(setup.step))
                guard eachProduct else { continue }
                for (productIndex, product) in setup.products.enumerated() {
                    bestProduct[index][productIndex] = min(bestProduct[index][productIndex], try secondsPerCall(product))
                }
            }
        }
        let flops = products.reduce(0) { $0 + $1.flops }
        let peak = PeakFMARate.measure(for: setups[0].engine)
        return setups.indices.map { index in
            let engine = setups[index].engine
            let gemmSeconds = bestGEMM[index], stepSeconds = bestStep[index]
            let kernel = engine.precision == .bf16 ? "native-bf16 (AVX-512 BF16)" : engine.floatGEMMKernel.description
            var result = Result(
                layers: layers.sizes.map(String.init).joined(separator: "-"), batchSize: batchSize,
                precision: engine.precision == .bf16 ? "bf16 products" : Float.precisionName,
                blasBackend: BLASInfo.backendName, blasKernel: BLASInfo.kernelName, blasThreads: engine.threadCount,
                floatGEMMKernel: kernel, products: products, flopsPerStep: flops,
                gemmSecondsPerStep: gemmSeconds, stepSecondsPerStep: stepSeconds,
                gemmGflops: flops / gemmSeconds / 1e9, stepGflops: flops / stepSeconds / 1e9, ratio: gemmSeconds / stepSeconds,
                peakGflops: peak.gflops, peak: peak.description)
            if eachProduct { result.productSeconds = bestProduct[index] }
            return result
        }
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
        for (index, product) in result.products.enumerated() {
            var line = "  \(product.role): \(product.m)×\(product.n)×\(product.k)"
            if let seconds = result.productSeconds?[index] {
                line += String(format: " — %.1f µs, %.1f GFLOP/s", seconds * 1e6, product.flops / seconds / 1e9)
            }
            lines.append(line)
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
        let results = try measure()
        if output.json {
            print(results.count == 1 ? try jsonText(results[0]) : try jsonText(results))
            return
        }
        print(results.map(text).joined(separator: "\n\n"))
        guard let first = results.first, results.count > 1 else { return }
        print("\nTime relative to \(first.floatGEMMKernel) (same process, rounds interleaved; above 1 is slower):")
        for result in results.dropFirst() {
            print(String(format: "  %@: raw GEMM %.2f×, training step %.2f×", result.floatGEMMKernel,
                         result.gemmSecondsPerStep / first.gemmSecondsPerStep, result.stepSecondsPerStep / first.stepSecondsPerStep))
            guard let seconds = result.productSeconds, let firstSeconds = first.productSeconds else { continue }
            for (index, product) in result.products.enumerated() {
                print(String(format: "    %@: %.2f×", product.role, seconds[index] / firstSeconds[index]))
            }
        }
    }
}
