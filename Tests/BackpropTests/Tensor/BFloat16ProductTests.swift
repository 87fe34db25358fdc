import CBackpropKernels
import Foundation
import Testing
import Backprop
@testable import BackpropCore

/// `--precision bf16`: products of factors rounded to bfloat16, summed in float32 by
/// AVX-512 BF16 (skipped with a printed reason on CPUs without it).
@Suite("bfloat16 products")
struct BFloat16ProductTests {
    static let variant = Int32(BACKPROP_SGEMM_AVX512_BF16)

    /// Whether this CPU has AVX-512 BF16; prints why a test skips otherwise.
    static func runs() -> Bool {
        guard let missing = ProductPrecision.bf16.missingCPUFeature else { return true }
        print("Skipped: this CPU lacks \(missing)")
        return false
    }

    /// Round to nearest even on the bit pattern, written independently of the C kernel:
    /// subnormals to signed zero, NaN kept.
    static func reference(_ x: Float) -> Float {
        if x.isNaN { return x }
        if x.isSubnormal { return x.sign == .minus ? -0.0 : 0.0 }
        let lower = x.bitPattern & 0xFFFF
        var upper = x.bitPattern >> 16
        if lower > 0x8000 || (lower == 0x8000 && upper & 1 == 1) { upper += 1 }
        return Float(bitPattern: upper << 16)
    }

    @Test func roundingIsToNearestEvenWithSubnormalsFlushed() {
        // Ties between 1 and 1 + 2⁻⁷ go to the even 1; between 1 + 2⁻⁷ and 1 + 2⁻⁶ to 1 + 2⁻⁶.
        #expect(ProductPrecision.roundedToBF16(1 + 0x1p-8) == 1)
        #expect(ProductPrecision.roundedToBF16(1 + 3 * 0x1p-8) == 1 + 0x1p-6)
        #expect(ProductPrecision.roundedToBF16(1 + 0x1p-8 + 0x1p-20) == 1 + 0x1p-7)
        #expect(ProductPrecision.roundedToBF16(.greatestFiniteMagnitude) == .infinity)
        #expect(ProductPrecision.roundedToBF16(-0x1p-130).bitPattern == (-0.0 as Float).bitPattern)
        #expect(ProductPrecision.roundedToBF16(.nan).isNaN && ProductPrecision.roundedToBF16(-.infinity) == -.infinity)
        var generator = RandomGenerator(seed: 3)
        for _ in 0..<20_000 {
            let x = Float(bitPattern: UInt32(truncatingIfNeeded: generator.next()))
            let (rounded, expected) = (ProductPrecision.roundedToBF16(x), Self.reference(x))
            #expect(rounded.bitPattern == expected.bitPattern || (rounded.isNaN && expected.isNaN), "\(x)")
        }
    }

    func bf16(_ product: NativeGEMMTests.Product, alpha: Float, beta: Float, start: [Float], threads: Int) -> [Float] {
        product.result(start: start) { a, b, c in
            FloatGEMMKernel.multiplyNatively(
                variant: Self.variant, transposeA: product.transposeA, transposeB: product.transposeB,
                m: product.m, n: product.n, k: product.k, alpha: alpha, a: a, lda: product.lda, b: b, ldb: product.ldb,
                beta: beta, c: c, ldc: product.ldc, threads: threads)
        }
    }

    /// Against Double sums of the rounded factors (to float32 rounding), and against the
    /// unrounded product (to bfloat16 rounding), for every transposition, edge tiles, odd
    /// depths and the 400-deep slices.
    @Test(arguments: [false, true], [false, true])
    func matchesTheProductOfRoundedFactors(transposeA: Bool, transposeB: Bool) {
        guard Self.runs() else { return }
        var seed: UInt64 = 100
        for m in [1, 3, 12, 13, 40] {
            for n in [1, 5, 16, 33, 70] {
                for k in [1, 2, 7, 33, 401, 785] {
                    seed += 1
                    let product = NativeGEMMTests.Product(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, seed: seed)
                    var rounded = product
                    rounded.a = product.a.map(Self.reference)
                    rounded.b = product.b.map(Self.reference)
                    var generator = RandomGenerator(seed: seed ^ 0x5)
                    let start = (0..<(m * product.ldc)).map { _ in Float(generator.uniform(-1, 1)) }
                    let result = bf16(product, alpha: 0.75, beta: 0.5, start: start, threads: 1).map(Double.init)
                    let label = "\(m)×\(k)·\(k)×\(n) transposeA \(transposeA) transposeB \(transposeB)"
                    let tight = 2e-6 * Double(k).squareRoot() + 1e-6
                    #expect(allClose(result, rounded.expected(alpha: 0.75, beta: 0.5, start: start), absolute: tight, relative: tight), "\(label)")
                    let loose = 1e-2 * Double(k).squareRoot()
                    #expect(allClose(result, product.expected(alpha: 0.75, beta: 0.5, start: start), absolute: loose, relative: 0), "\(label)")
                }
            }
        }
    }

    @Test func differsFromFloat32ByTheRoundingOfTheFactors() {
        guard Self.runs() else { return }
        let product = NativeGEMMTests.Product(m: 64, n: 64, k: 256, transposeA: false, transposeB: true, seed: 9)
        let start = [Float](repeating: 0, count: 64 * product.ldc)
        let exact = product.expected(alpha: 1, beta: 0, start: start)
        let result = bf16(product, alpha: 1, beta: 0, start: start, threads: 1)
        let largest = zip(result, exact).map { abs(Double($0) - $1) }.max() ?? 0
        // float32 sums of 256 products are within ~1e-5; 8-bit factors move them by ~1e-2.
        #expect(largest > 1e-3 && largest < 0.1, "largest difference \(largest)")
    }

    @Test func twoThreadsGiveTheSameBitsAsOne() {
        guard Self.runs() else { return }
        for (m, n, k, transposeA, transposeB) in [(300, 40, 800, false, true), (40, 300, 500, true, false), (257, 257, 257, false, false)] {
            let product = NativeGEMMTests.Product(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, seed: 4)
            let start = [Float](repeating: 0, count: m * product.ldc)
            let one = bf16(product, alpha: 1, beta: 0, start: start, threads: 1)
            #expect(one == bf16(product, alpha: 1, beta: 0, start: start, threads: 2), "\(m)×\(k)·\(k)×\(n)")
            #expect(one != start)
        }
    }

    @Test func betaZeroOverwritesNaNAndLeavesPaddingAlone() {
        guard Self.runs() else { return }
        let product = NativeGEMMTests.Product(m: 13, n: 35, k: 21, transposeA: false, transposeB: true, seed: 5)
        var start = [Float](repeating: .nan, count: 13 * product.ldc)
        for row in 0..<13 { for column in 35..<product.ldc { start[row * product.ldc + column] = 42 } }
        let result = bf16(product, alpha: 2, beta: 0, start: start, threads: 2)
        for row in 0..<13 {
            for column in 0..<product.ldc {
                let value = result[row * product.ldc + column]
                if column < 35 { #expect(value.isFinite) } else { #expect(value == 42, "padding (\(row), \(column)) written") }
            }
        }
    }

    @Test func aDenseLayersForwardPassAddsBiasAndRectifiesAfterTheProduct() {
        guard Self.runs() else { return }
        let (rows, inputs, outputs) = (37, 101, 45)
        let x: Matrix<Float> = randomMatrix(rows, inputs, seed: 1), w: Matrix<Float> = randomMatrix(outputs, inputs, seed: 2)
        let bias: Matrix<Float> = randomMatrix(1, outputs, seed: 3)
        let z = Matrix<Float>(rows: rows, columns: outputs, repeating: .nan)
        let rectified = Matrix<Float>(rows: rows, columns: outputs, repeating: .nan)
        var engine = ComputeEngine(threadCount: 2)
        engine.precision = .bf16
        #expect(FloatGEMMKernel.denseForward(
            rows: rows, inputCount: inputs, outputCount: outputs, input: x.base, weight: w.base, bias: bias.base,
            preActivation: z.base, rectified: rectified.base, engine: engine))
        let expectedZ = Matrix<Float>(rows: rows, columns: outputs)
        FloatGEMMKernel.multiplyNatively(
            variant: Self.variant, transposeA: false, transposeB: true, m: rows, n: outputs, k: inputs, alpha: 1,
            a: x.base, lda: inputs, b: w.base, ldb: inputs, beta: 0, c: expectedZ.base, ldc: outputs, threads: 1)
        let expectedA = Matrix<Float>(rows: rows, columns: outputs)
        FloatKernels.addBiasReLU(z: expectedZ.base, a: expectedA.base, bias: bias.base, rows: rows, columns: outputs)
        #expect(z.elements == expectedZ.elements && rectified.elements == expectedA.elements)
        // Every product of the engine runs in bfloat16, vector products included.
        #expect(FloatGEMMKernel.nativeVariant(transposeA: false, transposeB: false, m: 1, n: 1, engine: engine) == Self.variant)
    }

    @Test func theEngineAndRecipeAcceptBF16OnlyWhereTheCPUHasIt() throws {
        var engine = ComputeEngine(threadCount: 1)
        engine.precision = .bf16
        let config = try RunConfiguration.parse("data: \"moons:n=100\"\nlayers: [2, 4, 2]\nprecision: bf16\n", format: .yaml, file: "run.yaml")
        let recipe = try TrainingRecipe(configuration: config)
        #expect(recipe.precision == .bf16)
        if let missing = ProductPrecision.bf16.missingCPUFeature {
            #expect(engine.precision == .float32, "an engine never holds a precision the CPU cannot run")
            do {
                _ = try TrainingRun(recipe: recipe)
                Issue.record("bf16 accepted without \(missing)")
            } catch {
                #expect("\(error)".contains(missing))
            }
        } else {
            #expect(engine.precision == .bf16 && engine.description.contains("bfloat16"))
            let run = try TrainingRun(recipe: recipe)
            #expect(run.network.engine.precision == .bf16)
            let history = try run.fit()
            #expect(history.epochs.last.map { $0.trainCost.isFinite } == true)
        }
        let wrong = try RunConfiguration.parse("precision: bf17\n", format: .yaml, file: "run.yaml")
        #expect(throws: ConfigError.self) { try TrainingRecipe(configuration: wrong) }
    }

    /// A short MNIST run (6000 training images, 784-64-10, Adam, 2 epochs) reaches the same
    /// test accuracy in bfloat16 as in float32, within a point.
    @Test func mnistTrainsToTheAccuracyOfFloat32() throws {
        guard Self.runs() else { return }
        guard ProcessInfo.processInfo.environment[DataSource.mnistDirectoryVariable] != nil else {
            print("Skipped: set \(DataSource.mnistDirectoryVariable) to the folder of the MNIST IDX files")
            return
        }
        func recipe(_ precision: String) throws -> TrainingRecipe {
            let text = "data: mnist\nscale: unit\nlimit: 6000\nlayers: [784, 64, 10]\noptimizer: adam\nlr: 0.001\nbatch-size: 64\nepochs: 2\nprecision: \(precision)\n"
            return try TrainingRecipe(configuration: RunConfiguration.parse(text, format: .yaml, file: "run.yaml"))
        }
        let data = try TrainingRun.loadData(for: recipe("float32"))
        func accuracy(_ precision: String) throws -> Double {
            let run = try TrainingRun(recipe: recipe(precision), data: data)
            _ = try run.fit()
            return try #require(run.evaluate().test?.accuracy)
        }
        let (single, reduced) = (try accuracy("float32"), try accuracy("bf16"))
        print("MNIST subset, test accuracy: float32 \(single), bf16 \(reduced)")
        #expect(single > 0.85 && abs(single - reduced) < 0.01)
    }
}
