import Testing
import Backprop
@testable import BackpropCore

@Suite("Matrix and reductions")
struct MatrixTests {
    @Test func storesRowMajor() {
        let x = Matrix<Double>([[1, 2, 3], [4, 5, 6]])
        #expect(x.rows == 2 && x.columns == 3)
        #expect(x[1, 2] == 6)
        #expect(x.elements == [1, 2, 3, 4, 5, 6])
        #expect(x.row(1) == [4, 5, 6])
        #expect(x.column(1) == [2, 5])
    }

    @Test func reuseKeepsStorageWhenItFits() {
        let buffer = Matrix<Float>(rows: 8, columns: 3)
        let smaller = Matrix.reuse(buffer, rows: 5, columns: 3)
        #expect(smaller === buffer)
        #expect(smaller.rows == 5 && smaller.count == 15)
        let larger = Matrix.reuse(buffer, rows: 9, columns: 3)
        #expect(larger !== buffer)
        #expect(Matrix.reuse(buffer, rows: 2, columns: 4) !== buffer)
    }

    @Test func sumRowsAndNorms() {
        let x = Matrix<Double>([[1, -2], [3, 4], [-5, 6]])
        let sums = Matrix<Double>(rows: 1, columns: 2)
        x.sumRows(into: sums)
        #expect(sums.elements == [-1, 8])
        #expect(x.squaredNorm() == 1 + 4 + 9 + 16 + 25 + 36)
        #expect(x.absoluteSum() == 21)
    }

    @Test func argmaxTakesTheFirstOnTies() {
        let x = Matrix<Float>([[0.1, 0.7, 0.2], [3, 3, 1], [-1, -2, -0.5]])
        #expect(x.argmaxPerRow() == [1, 0, 2])
    }

    @Test func firstNonFiniteFindsNaNAndInfinity() {
        let x = Matrix<Double>([[1, 2], [3, .nan]])
        #expect(x.firstNonFinite()! == (row: 1, column: 1))
        let y = Matrix<Double>([[1, -.infinity]])
        #expect(y.firstNonFinite()! == (row: 0, column: 1))
        #expect(Matrix<Double>([[1, 2]]).firstNonFinite() == nil)
        let wide = Matrix<Float>(rows: 3, columns: 7, repeating: 1e30)
        #expect(wide.firstNonFinite() == nil)
        for index in [0, 5, 13, 20] {
            wide.fill(-1e30)
            wide.base[index] = index.isMultiple(of: 2) ? .nan : .infinity
            #expect(wide.firstNonFinite()! == (row: index / 7, column: index % 7))
        }
        #expect(Matrix<Float>(rows: 0, columns: 3).firstNonFinite() == nil)
    }

    @Test("The finite check shared by two threads finds a NaN or infinity in either half and at the edges")
    func firstNonFiniteOnTwoThreads() {
        var engine = ComputeEngine.default
        engine.threadCount = 2
        engine.parallelElementLimit = 0
        let large = Matrix<Float>(rows: 1001, columns: 77, repeating: 3e38)
        #expect(large.firstNonFinite(using: engine) == nil)
        for index in [0, 15, 16, large.count / 2 - 1, large.count / 2, large.count / 2 + 17, large.count - 1] {
            for bad in [Float.nan, .infinity, -.infinity] {
                large.fill(-3e38)
                large.base[index] = bad
                #expect(large.firstNonFinite(using: engine)! == (row: index / 77, column: index % 77))
            }
        }
        let short = Matrix<Float>([[1, .nan]])
        #expect(short.firstNonFinite(using: engine)! == (row: 0, column: 1))
    }
}
