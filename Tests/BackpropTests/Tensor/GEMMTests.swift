import Testing
import Backprop
@testable import BackpropCore

@Suite("GEMM")
struct GEMMTests {
    /// The textbook triple loop on `op(A)·op(B)`.
    func naive<S: NetworkScalar>(_ a: Matrix<S>, _ ta: Bool, _ b: Matrix<S>, _ tb: Bool, alpha: S, beta: S, c: Matrix<S>) -> [Double] {
        let m = ta ? a.columns : a.rows, k = ta ? a.rows : a.columns, n = tb ? b.rows : b.columns
        var result = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    sum += Double(ta ? a[p, i] : a[i, p]) * Double(tb ? b[j, p] : b[p, j])
                }
                result[i * n + j] = Double(alpha) * sum + Double(beta) * Double(c[i, j])
            }
        }
        return result
    }

    static let shapes: [(m: Int, k: Int, n: Int)] = [(1, 1, 1), (7, 13, 5), (129, 65, 33), (3, 1, 4), (64, 300, 17)]

    func check<S: NetworkScalar>(_: S.Type, tolerance: Double) {
        for (index, shape) in Self.shapes.enumerated() {
            for ta in [false, true] {
                for tb in [false, true] {
                    let a: Matrix<S> = ta ? randomMatrix(shape.k, shape.m, seed: UInt64(index)) : randomMatrix(shape.m, shape.k, seed: UInt64(index))
                    let b: Matrix<S> = tb ? randomMatrix(shape.n, shape.k, seed: 99) : randomMatrix(shape.k, shape.n, seed: 99)
                    let start: Matrix<S> = randomMatrix(shape.m, shape.n, seed: 7)
                    let expected = naive(a, ta, b, tb, alpha: S(0.75), beta: S(0.5), c: start)
                    let blas = start.copy()
                    GEMM.multiply(a, b, into: blas, transposeA: ta, transposeB: tb, alpha: 0.75, beta: 0.5, engine: .default)
                    let plain = start.copy()
                    GEMM.multiplyWithoutBLAS(a, b, into: plain, transposeA: ta, transposeB: tb, alpha: 0.75, beta: 0.5)
                    let label = "\(S.precisionName) \(shape) ta=\(ta) tb=\(tb)"
                    #expect(allClose(blas.elements.map(Double.init), expected, absolute: tolerance, relative: tolerance), "BLAS \(label)")
                    #expect(allClose(plain.elements.map(Double.init), expected, absolute: tolerance, relative: tolerance), "reference \(label)")
                }
            }
        }
    }

    @Test func matchesNaiveProductInDouble() { check(Double.self, tolerance: 1e-12) }
    @Test func matchesNaiveProductInFloat() { check(Float.self, tolerance: 1e-4) }

    @Test func zeroInnerDimensionScalesOutput() {
        let a = Matrix<Double>(rows: 2, columns: 0), b = Matrix<Double>(rows: 0, columns: 3)
        let c = Matrix<Double>(rows: 2, columns: 3, repeating: 4)
        GEMM.multiply(a, b, into: c, beta: 0.5, engine: .default)
        #expect(c.elements == [Double](repeating: 2, count: 6))
    }
}
