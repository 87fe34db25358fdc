import Foundation
import Testing
import Backprop
@testable import BackpropCore

/// Backprop's single-precision kernels (every variant this CPU runs: AVX-512, AVX2) against
/// BLAS and a Double-precision triple loop.
@Suite("Native GEMM kernels")
struct NativeGEMMTests {
    /// The native kernels; a test given one this CPU cannot run prints why and skips.
    static let kernels: [FloatGEMMKernel] = [.nativeAVX512, .nativeAVX2]

    /// Whether `kernel` runs here; prints why not otherwise.
    static func runs(_ kernel: FloatGEMMKernel) -> Bool {
        guard let missing = kernel.missingCPUFeatures else { return true }
        print("Skipped the \(kernel.rawValue) kernel: this CPU lacks \(missing)")
        return false
    }

    /// One product on row-major buffers with padded row strides, so strides are exercised.
    struct Product {
        let m, n, k: Int
        let transposeA, transposeB: Bool
        var a, b: [Float]
        let lda, ldb, ldc: Int

        init(m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, seed: UInt64, aStride: Int? = nil) {
            self.m = m; self.n = n; self.k = k
            self.transposeA = transposeA; self.transposeB = transposeB
            lda = aStride ?? (transposeA ? m : k) + 3
            ldb = (transposeB ? k : n) + 1
            ldc = n + 2
            var generator = RandomGenerator(seed: seed)
            a = (0..<((transposeA ? k : m) * lda)).map { _ in Float(generator.uniform(-1, 1)) }
            b = (0..<((transposeB ? n : k) * ldb)).map { _ in Float(generator.uniform(-1, 1)) }
        }

        func elementA(_ i: Int, _ p: Int) -> Double { Double(transposeA ? a[p * lda + i] : a[i * lda + p]) }
        func elementB(_ p: Int, _ j: Int) -> Double { Double(transposeB ? b[j * ldb + p] : b[p * ldb + j]) }

        /// `α·op(A)·op(B) + β·C` in Double; entries outside the `n` columns keep C's value.
        func expected(alpha: Float, beta: Float, start: [Float]) -> [Double] {
            var result = start.map(Double.init)
            for i in 0..<m {
                for j in 0..<n {
                    var sum = 0.0
                    for p in 0..<k { sum += elementA(i, p) * elementB(p, j) }
                    result[i * ldc + j] = Double(alpha) * sum + (beta == 0 ? 0 : Double(beta) * Double(start[i * ldc + j]))
                }
            }
            return result
        }

        /// `start` after `multiply(a, b, c)` ran on copies of the operands' storage.
        func result(
            start: [Float],
            _ multiply: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void
        ) -> [Float] {
            var c = start
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in multiply(a.baseAddress!, b.baseAddress!, c.baseAddress!) }
                }
            }
            return c
        }

        func native(_ kernel: FloatGEMMKernel, alpha: Float, beta: Float, start: [Float], threads: Int) -> [Float] {
            result(start: start) { a, b, c in
                FloatGEMMKernel.multiplyNatively(
                    variant: kernel.variant!, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                    a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, threads: threads)
            }
        }

        func blas(alpha: Float, beta: Float, start: [Float]) -> [Float] {
            result(start: start) { a, b, c in
                Float.multiplyThroughBLAS(
                    transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                    a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc,
                    engine: ComputeEngine(floatGEMMKernel: .blas, threadCount: 1))
            }
        }
    }

    /// Sizes around the 12-row and 32-column tiles (and the 4- and 8-row remainder tiles),
    /// the 400-deep slices, the dot-product blocks (1, 2, 4 or 8 rows; 16 lanes of depth) and
    /// their row and column limits, and the 128-deep limit of reading A and B in place.
    static let sizes = [1, 2, 3, 7, 11, 12, 13, 16, 17, 33, 100]
    static let depths = [1, 7, 16, 17, 129, 401]

    @Test(arguments: kernels, [false, true])
    func matchesDoublePrecisionAndBLASForEveryTransposition(kernel: FloatGEMMKernel, transposeA: Bool) {
        guard Self.runs(kernel) else { return }
        var seed: UInt64 = 1
        for transposeB in [false, true] { for m in Self.sizes {
            for n in Self.sizes {
                for k in Self.depths {
                    seed += 1
                    let product = Product(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, seed: seed)
                    var generator = RandomGenerator(seed: seed ^ 0xC)
                    let start = (0..<(m * product.ldc)).map { _ in Float(generator.uniform(-1, 1)) }
                    let expected = product.expected(alpha: 0.75, beta: 0.5, start: start)
                    let native = product.native(kernel, alpha: 0.75, beta: 0.5, start: start, threads: 1)
                    let blas = product.blas(alpha: 0.75, beta: 0.5, start: start)
                    let tolerance = 2e-6 * Double(k).squareRoot() + 1e-6
                    let label = "\(m)×\(k)·\(k)×\(n) transposeA \(transposeA) transposeB \(transposeB)"
                    #expect(allClose(native.map(Double.init), expected, absolute: tolerance, relative: tolerance), "native \(label)")
                    #expect(allClose(native.map(Double.init), blas.map(Double.init), absolute: tolerance, relative: tolerance), "native vs BLAS \(label)")
                }
            }
        } }
    }

    /// A row-major `A` is read in place when its rows start in different L1 sets (a stride of
    /// 784 floats: 49 cache lines) and copied first when they share one (1024 floats): the
    /// same sums in the same order either way, so the same bits.
    @Test(arguments: kernels)
    func rowMajorAReadInPlaceOrCopiedGivesTheSameBits(kernel: FloatGEMMKernel) {
        guard Self.runs(kernel) else { return }
        for (k, seed) in [(1, 1), (17, 2), (129, 3), (401, 4), (784, 5)] as [(Int, UInt64)] {
            let copied = Product(m: 33, n: 100, k: k, transposeA: false, transposeB: true, seed: seed, aStride: 1024)
            var inPlace = Product(m: 33, n: 100, k: k, transposeA: false, transposeB: true, seed: seed, aStride: 784)
            inPlace.b = copied.b
            for i in 0..<33 { for p in 0..<k { inPlace.a[i * 784 + p] = copied.a[i * 1024 + p] } }
            for threads in [1, 2] {
                let results = [inPlace, copied].map { product in
                    let stride = product.lda
                    let start = [Float](repeating: 0, count: 33 * product.ldc)
                    let native = product.native(kernel, alpha: 1, beta: 0, start: start, threads: threads)
                    let tolerance = 2e-6 * Double(k).squareRoot() + 1e-6
                    #expect(allClose(native.map(Double.init), product.expected(alpha: 1, beta: 0, start: start),
                                     absolute: tolerance, relative: tolerance), "k \(k), stride \(stride)")
                    return native
                }
                let sameBits = results[0] == results[1]
                #expect(sameBits, "k \(k), threads \(threads)")
            }
        }
    }

    /// An untransposed `B` of more than 2¹⁸ floats is packed (smaller ones are read in place).
    @Test(arguments: kernels, [true, false])
    func largeUntransposedBMatchesBLASAndDoublePrecision(kernel: FloatGEMMKernel, transposeA: Bool) {
        guard Self.runs(kernel) else { return }
        let product = Product(m: 14, n: 1100, k: 1000, transposeA: transposeA, transposeB: false, seed: 77)
        let start = [Float](repeating: 0, count: 14 * product.ldc)
        let expected = product.expected(alpha: 1, beta: 0, start: start)
        let native = product.native(kernel, alpha: 1, beta: 0, start: start, threads: 2)
        let blas = product.blas(alpha: 1, beta: 0, start: start)
        let tolerance = 2e-6 * Double(1000).squareRoot() + 1e-6
        #expect(allClose(native.map(Double.init), expected, absolute: tolerance, relative: tolerance))
        #expect(allClose(native.map(Double.init), blas.map(Double.init), absolute: tolerance, relative: tolerance))
        #expect(native == product.native(kernel, alpha: 1, beta: 0, start: start, threads: 1))
    }

    /// A product larger than every block of every kernel (more rows than a packed block of A,
    /// more columns than a packed block of B, deeper than one depth slice) in each
    /// transposition, with edges in every dimension.
    @Test(arguments: kernels, [(false, true), (true, false), (false, false)])
    func productsLargerThanEveryBlockMatchDoublePrecision(kernel: FloatGEMMKernel, transposition: (Bool, Bool)) {
        guard Self.runs(kernel) else { return }
        let (m, n, k) = (151, 1030, 401)
        let product = Product(m: m, n: n, k: k, transposeA: transposition.0, transposeB: transposition.1, seed: 41)
        var generator = RandomGenerator(seed: 42)
        let start = (0..<(m * product.ldc)).map { _ in Float(generator.uniform(-1, 1)) }
        let expected = product.expected(alpha: 0.75, beta: 0.5, start: start)
        let tolerance = 2e-6 * Double(k).squareRoot() + 1e-6
        for threads in [1, 2] {
            let native = product.native(kernel, alpha: 0.75, beta: 0.5, start: start, threads: threads)
            #expect(allClose(native.map(Double.init), expected, absolute: tolerance, relative: tolerance),
                    "\(m)×\(k)·\(k)×\(n) transposition \(transposition), \(threads) thread(s)")
        }
    }

    @Test(arguments: kernels)
    func twoThreadsGiveTheSameBitsAsOne(kernel: FloatGEMMKernel) {
        guard Self.runs(kernel) else { return }
        for (m, n, k) in [(300, 40, 800), (40, 300, 500), (257, 257, 257), (1024, 10, 256), (10, 100, 784), (3, 37, 50)] {
            for (transposeA, transposeB) in [(false, true), (true, false), (false, false)] {
                let product = Product(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, seed: UInt64(m * n))
                let start = [Float](repeating: 0, count: m * product.ldc)
                let one = product.native(kernel, alpha: 1, beta: 0, start: start, threads: 1)
                let two = product.native(kernel, alpha: 1, beta: 0, start: start, threads: 2)
                #expect(one == two, "\(m)×\(k)·\(k)×\(n) transposeA \(transposeA) transposeB \(transposeB)")
                #expect(one != start, "the product was computed")
            }
        }
    }

    @Test(arguments: kernels)
    func betaZeroOverwritesNaNAndLeavesPaddingAlone(kernel: FloatGEMMKernel) {
        guard Self.runs(kernel) else { return }
        let product = Product(m: 13, n: 35, k: 20, transposeA: false, transposeB: true, seed: 5)
        var start = [Float](repeating: .nan, count: 13 * product.ldc)
        for row in 0..<13 { for column in 35..<product.ldc { start[row * product.ldc + column] = 42 } }
        let result = product.native(kernel, alpha: 2, beta: 0, start: start, threads: 2)
        for row in 0..<13 {
            for column in 0..<product.ldc {
                let value = result[row * product.ldc + column]
                if column < 35 { #expect(value.isFinite) } else { #expect(value == 42, "padding (\(row), \(column)) written") }
            }
        }
        let expected = product.expected(alpha: 2, beta: 0, start: start.map { $0.isNaN ? 0 : $0 })
        #expect(allClose(result.map(Double.init), expected, absolute: 1e-5, relative: 1e-5))
    }

    @Test(arguments: kernels)
    func emptyDepthScalesTheOutputByBeta(kernel: FloatGEMMKernel) {
        guard Self.runs(kernel) else { return }
        let product = Product(m: 3, n: 4, k: 0, transposeA: false, transposeB: false, seed: 2)
        let start = [Float](repeating: 2, count: 3 * product.ldc)
        let result = product.native(kernel, alpha: 1, beta: 0.5, start: start, threads: 1)
        for row in 0..<3 {
            #expect(Array(result[(row * product.ldc)..<(row * product.ldc + 4)]) == [1, 1, 1, 1])
            #expect(Array(result[(row * product.ldc + 4)..<((row + 1) * product.ldc)]) == [2, 2])
        }
    }

    @Test(arguments: kernels, [[13, 35, 20], [100, 256, 784], [1024, 10, 256], [4, 7, 0]])
    func fusedDenseForwardHasTheBitsOfProductThenBiasAndReLU(kernel: FloatGEMMKernel, shape: [Int]) {
        guard Self.runs(kernel) else { return }
        let (rows, outputs, inputs) = (shape[0], shape[1], shape[2])
        let x: Matrix<Float> = randomMatrix(rows, inputs, seed: 1)
        let w: Matrix<Float> = randomMatrix(outputs, inputs, seed: 2)
        let bias: Matrix<Float> = randomMatrix(1, outputs, seed: 3)
        let z = Matrix<Float>(rows: rows, columns: outputs, repeating: .nan)
        let rectified = Matrix<Float>(rows: rows, columns: outputs, repeating: .nan)
        let fused = FloatGEMMKernel.denseForward(
            rows: rows, inputCount: inputs, outputCount: outputs, input: x.base, weight: w.base, bias: bias.base,
            preActivation: z.base, rectified: rectified.base,
            engine: ComputeEngine(floatGEMMKernel: kernel, threadCount: 2))
        #expect(fused, "the native kernel runs matrix products")

        let expectedZ = Matrix<Float>(rows: rows, columns: outputs)
        if inputs > 0 {
            FloatGEMMKernel.multiplyNatively(
                variant: kernel.variant!, transposeA: false, transposeB: true, m: rows, n: outputs, k: inputs, alpha: 1, a: x.base, lda: inputs,
                b: w.base, ldb: inputs, beta: 0, c: expectedZ.base, ldc: outputs, threads: 1)
        }
        let expectedA = Matrix<Float>(rows: rows, columns: outputs)
        FloatKernels.addBiasReLU(z: expectedZ.base, a: expectedA.base, bias: bias.base, rows: rows, columns: outputs)
        #expect(z.elements == expectedZ.elements)
        #expect(rectified.elements == expectedA.elements)
        #expect(rectified.elements.contains(0) && rectified.elements.contains { $0 > 0 })
    }

    @Test func theDefaultIsTheEnvironmentsChoiceElseTheCPUs() throws {
        let environment = ProcessInfo.processInfo.environment
        let choice = (try? ComputeEngine.kernelChoice(environment))?.kernel ?? FloatGEMMKernel.best
        #expect(ComputeEngine.default.floatGEMMKernel == choice)
        #expect(FloatGEMMKernel.nativeAVX512.description.contains("AVX-512"))
        #expect(FloatGEMMKernel.nativeAVX2.description.contains("AVX2"))
    }
}
