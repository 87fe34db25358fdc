import Foundation
import Testing
import Backprop
@testable import BackpropCore

/// BLIS when it opens on this machine (Debian: `apt-get install libblis4-pthread`).
private let installedBLIS: BLASLibrary? = try? BLASLibrary.load(.blis)
private let blisMissing: Comment = "BLIS (libblis.so.4) does not load on this machine; install libblis4-pthread to run this test"

/// The selectable BLAS libraries: OpenBLAS's names and entry points, BLIS's entry points
/// against OpenBLAS and a Double triple loop, and the errors of a BLIS that cannot load.
///
/// Tests call a library's entry points on the library value itself; none switches the
/// library the rest of the suite multiplies with.
@Suite("BLAS library")
struct BLASLibraryTests {
    /// `(m, k, n)` of `op(A)·op(B)`: scalars, odd sizes, one-column and one-row results,
    /// and k larger than a cache block.
    static let shapes: [(m: Int, k: Int, n: Int)] = [(1, 1, 1), (7, 13, 5), (129, 65, 33), (3, 1, 4), (64, 300, 17), (24, 520, 30)]

    // MARK: - Products through one library

    /// `C ← 0.75·op(A)·op(B) + 0.5·C` through `library`, and the Double triple loop's answer.
    func singleProduct(_ library: BLASLibrary, shape: (m: Int, k: Int, n: Int), transposeA: Bool, transposeB: Bool, seed: UInt64)
        -> (result: [Float], expected: [Double]) {
        let a: Matrix<Float> = transposeA ? randomMatrix(shape.k, shape.m, seed: seed) : randomMatrix(shape.m, shape.k, seed: seed)
        let b: Matrix<Float> = transposeB ? randomMatrix(shape.n, shape.k, seed: seed + 1) : randomMatrix(shape.k, shape.n, seed: seed + 1)
        let c: Matrix<Float> = randomMatrix(shape.m, shape.n, seed: seed + 2)
        let expected = GEMMTests().naive(a, transposeA, b, transposeB, alpha: 0.75, beta: 0.5, c: c)
        library.sgemm(transposeA: transposeA, transposeB: transposeB, m: shape.m, n: shape.n, k: shape.k,
                      alpha: 0.75, a: a.base, lda: a.columns, b: b.base, ldb: b.columns, beta: 0.5, c: c.base, ldc: c.columns)
        return (c.elements, expected)
    }

    func doubleProduct(_ library: BLASLibrary, shape: (m: Int, k: Int, n: Int), transposeA: Bool, transposeB: Bool, seed: UInt64)
        -> (result: [Double], expected: [Double]) {
        let a: Matrix<Double> = transposeA ? randomMatrix(shape.k, shape.m, seed: seed) : randomMatrix(shape.m, shape.k, seed: seed)
        let b: Matrix<Double> = transposeB ? randomMatrix(shape.n, shape.k, seed: seed + 1) : randomMatrix(shape.k, shape.n, seed: seed + 1)
        let c: Matrix<Double> = randomMatrix(shape.m, shape.n, seed: seed + 2)
        let expected = GEMMTests().naive(a, transposeA, b, transposeB, alpha: 0.75, beta: 0.5, c: c)
        library.dgemm(transposeA: transposeA, transposeB: transposeB, m: shape.m, n: shape.n, k: shape.k,
                      alpha: 0.75, a: a.base, lda: a.columns, b: b.base, ldb: b.columns, beta: 0.5, c: c.base, ldc: c.columns)
        return (c.elements, expected)
    }

    /// `y ← 0.75·op(A)·x + 0.5·y` through `library` with `x` and `y` strided (every
    /// `incrementX`-th and `incrementY`-th element), and the Double loop's answer.
    func vectorProduct(_ library: BLASLibrary, rows: Int, columns: Int, transpose: Bool, incrementX: Int, incrementY: Int, seed: UInt64)
        -> (result: [Float], expected: [Double]) {
        let a: Matrix<Float> = randomMatrix(rows, columns, seed: seed)
        let (inputCount, outputCount) = transpose ? (rows, columns) : (columns, rows)
        let x: Matrix<Float> = randomMatrix(inputCount, 1, seed: seed + 1)
        let y: Matrix<Float> = randomMatrix(outputCount, 1, seed: seed + 2)
        let expected = GEMMTests().naive(a, transpose, x, false, alpha: 0.75, beta: 0.5, c: y)
        var stridedX = [Float](repeating: .nan, count: inputCount * incrementX)
        var stridedY = [Float](repeating: .nan, count: outputCount * incrementY)
        for i in 0..<inputCount { stridedX[i * incrementX] = x[i, 0] }
        for i in 0..<outputCount { stridedY[i * incrementY] = y[i, 0] }
        stridedY.withUnsafeMutableBufferPointer { yBuffer in
            library.sgemv(transpose: transpose, rows: rows, columns: columns, alpha: 0.75, a: a.base, lda: columns,
                          x: stridedX, incrementX: incrementX, beta: 0.5, y: yBuffer.baseAddress!, incrementY: incrementY)
        }
        return ((0..<outputCount).map { stridedY[$0 * incrementY] }, expected)
    }

    /// Every shape and transpose combination through `library`, against the triple loop.
    func checkProducts(_ library: BLASLibrary) {
        for (index, shape) in Self.shapes.enumerated() {
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    let label = "\(library.name) \(shape) transposeA=\(transposeA) transposeB=\(transposeB)"
                    let single = singleProduct(library, shape: shape, transposeA: transposeA, transposeB: transposeB, seed: UInt64(index * 3))
                    #expect(allClose(single.result.map(Double.init), single.expected, absolute: 1e-4, relative: 1e-4), "sgemm \(label)")
                    let double = doubleProduct(library, shape: shape, transposeA: transposeA, transposeB: transposeB, seed: UInt64(index * 3))
                    #expect(allClose(double.result, double.expected, absolute: 1e-12, relative: 1e-12), "dgemm \(label)")
                }
            }
        }
        for (rows, columns) in [(1, 1), (17, 300), (300, 17)] {
            for transpose in [false, true] {
                for (incrementX, incrementY) in [(1, 1), (2, 3)] {
                    let vector = vectorProduct(library, rows: rows, columns: columns, transpose: transpose,
                                               incrementX: incrementX, incrementY: incrementY, seed: UInt64(rows + columns))
                    #expect(allClose(vector.result.map(Double.init), vector.expected, absolute: 1e-4, relative: 1e-4),
                            "\(library.name) sgemv \(rows)×\(columns) transpose=\(transpose) increments \(incrementX), \(incrementY)")
                }
            }
        }
    }

    // MARK: - OpenBLAS

    #if !canImport(Accelerate)
    @Test func openBLASIsTheDefaultAndNamesItsKernel() throws {
        #expect(BLASLibrary.platformDefault == .openBLAS)
        #expect(BLASLibrary.selectableKinds == [.openBLAS, .blis])
        let openBLAS = try BLASLibrary.load(.openBLAS)
        #expect(openBLAS.kind == .openBLAS)
        #expect(openBLAS.name == "OpenBLAS")
        #expect(openBLAS.version.first?.isNumber == true, "version \(openBLAS.version)")
        #expect(!openBLAS.kernelName.isEmpty && openBLAS.kernelName != "unknown")
        #expect(openBLAS.configuration.hasPrefix("OpenBLAS \(openBLAS.version)"))
        #expect(openBLAS.configuration.hasSuffix("kernel \(openBLAS.kernelName)"))
        #expect(openBLAS.defaultThreadCount >= 1)
    }

    @Test func openBLASProductsMatchTheTripleLoop() throws {
        checkProducts(try BLASLibrary.load(.openBLAS))
    }

    @Test func acceleratePlainlyUnavailableOnLinux() {
        let error = #expect(throws: BLASLibrary.LoadError.self) { try BLASLibrary.load(.accelerate) }
        #expect(error?.kind == .accelerate)
        #expect(error?.description.contains("Apple") == true, "\(String(describing: error))")
    }
    #endif

    @Test func backendDescriptionIsTheCurrentLibrarys() {
        let current = BLASLibrary.current
        #expect(BLASInfo.backendName == current.name)
        #expect(BLASInfo.kernelName == current.kernelName)
        #expect(BLASInfo.configuration == current.configuration)
    }

    /// The one test that calls the global switch: selecting the library in use leaves it in use.
    @Test func selectingTheLibraryInUseKeepsIt() throws {
        let before = BLASLibrary.current
        try BLASLibrary.select(before.kind)
        #expect(BLASLibrary.current.kind == before.kind)
        #expect(BLASLibrary.selectionProblem == nil)
    }

    // MARK: - The environment variable

    @Test func unsetOrDefaultEnvironmentValueSelectsTheDefault() {
        for value in [nil, "", "  ", BLASLibrary.platformDefault.rawValue, BLASLibrary.platformDefault.rawValue.uppercased()] {
            let selection = BLASLibrary.Selection.fromEnvironmentValue(value)
            #expect(selection.library.kind == BLASLibrary.platformDefault, "\(value ?? "unset")")
            #expect(selection.problem == nil, "\(value ?? "unset")")
        }
    }

    @Test func unknownEnvironmentValueFallsBackAndSaysWhy() {
        let selection = BLASLibrary.Selection.fromEnvironmentValue("mkl")
        #expect(selection.library.kind == BLASLibrary.platformDefault)
        let problem = selection.problem ?? ""
        #expect(problem.contains("BACKPROP_BLAS=mkl"), "\(problem)")
        for kind in BLASLibrary.selectableKinds {
            #expect(problem.contains(kind.rawValue), "\(problem)")
        }
    }

    @Test func blisEnvironmentValueGivesBLISOrTheFilesTried() {
        let selection = BLASLibrary.Selection.fromEnvironmentValue("blis")
        if installedBLIS != nil {
            #expect(selection.library.kind == .blis)
            #expect(selection.problem == nil)
        } else {
            #expect(selection.library.kind == BLASLibrary.platformDefault)
            #expect(selection.problem?.contains("libblis.so.4") == true, "\(selection.problem ?? "no problem")")
        }
    }

    // MARK: - BLIS that cannot load

    #if canImport(Glibc)
    @Test func missingFilesGiveAnErrorNamingEachOne() {
        let files = ["/nonexistent/blis-pthread/libblis.so.4", "libblis-not-installed.so.9"]
        let error = #expect(throws: BLASLibrary.LoadError.self) { try BLISLoader.load(from: files) }
        #expect(error?.kind == .blis)
        #expect(error?.attempts.map(\.file) == files)
        for file in files {
            #expect(error?.description.contains(file) == true, "\(String(describing: error))")
        }
    }

    @Test func libraryWithoutTheRoutinesIsRejected() {
        // The C maths library opens but has no CBLAS.
        let error = #expect(throws: BLASLibrary.LoadError.self) { try BLISLoader.load(from: ["libm.so.6"]) }
        #expect(error?.description.contains("libm.so.6 (no symbol cblas_sgemm)") == true, "\(String(describing: error))")
    }
    #endif

    @Test(.enabled(if: installedBLIS == nil, "BLIS loads on this machine; its absence is covered by missingFilesGiveAnErrorNamingEachOne"))
    func selectingAbsentBLISThrowsNamingTheFilesTried() {
        let before = BLASLibrary.current.kind
        let error = #expect(throws: BLASLibrary.LoadError.self) { try BLASLibrary.select(.blis) }
        #expect(error?.kind == .blis)
        #if canImport(Glibc)
        for file in BLISLoader.candidates {
            #expect(error?.description.contains(file) == true, "\(String(describing: error))")
        }
        #endif
        #expect(BLASLibrary.current.kind == before)
    }

    // MARK: - BLIS

    @Test(.enabled(if: installedBLIS != nil, blisMissing))
    func blisNamesItsVersionAndKernel() throws {
        let blis = try #require(installedBLIS)
        #expect(blis.kind == .blis)
        #expect(blis.name == "BLIS")
        #expect(blis.version.first?.isNumber == true, "version \(blis.version)")
        #expect(!blis.kernelName.isEmpty && blis.kernelName != "unknown")
        #expect(blis.configuration.hasPrefix("BLIS \(blis.version)"))
        #expect(blis.configuration.hasSuffix("kernel \(blis.kernelName)"))
        #expect(blis.defaultThreadCount >= 1)
    }

    @Test(.enabled(if: installedBLIS != nil, blisMissing))
    func blisProductsMatchTheTripleLoop() throws {
        checkProducts(try #require(installedBLIS))
    }

    @Test(.enabled(if: installedBLIS != nil, blisMissing))
    func blisAgreesWithTheLinkedLibrary() throws {
        let blis = try #require(installedBLIS)
        let linked = try BLASLibrary.load(BLASLibrary.platformDefault)
        for (index, shape) in Self.shapes.enumerated() {
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    let seed = UInt64(100 + index)
                    let label = "\(shape) transposeA=\(transposeA) transposeB=\(transposeB)"
                    let single = singleProduct(blis, shape: shape, transposeA: transposeA, transposeB: transposeB, seed: seed)
                    let singleLinked = singleProduct(linked, shape: shape, transposeA: transposeA, transposeB: transposeB, seed: seed)
                    #expect(allClose(single.result, singleLinked.result, absolute: 1e-4, relative: 1e-5), "sgemm \(label)")
                    let double = doubleProduct(blis, shape: shape, transposeA: transposeA, transposeB: transposeB, seed: seed)
                    let doubleLinked = doubleProduct(linked, shape: shape, transposeA: transposeA, transposeB: transposeB, seed: seed)
                    #expect(allClose(double.result, doubleLinked.result, absolute: 1e-12, relative: 1e-12), "dgemm \(label)")
                }
            }
        }
        for transpose in [false, true] {
            let vector = vectorProduct(blis, rows: 33, columns: 257, transpose: transpose, incrementX: 2, incrementY: 1, seed: 5)
            let vectorLinked = vectorProduct(linked, rows: 33, columns: 257, transpose: transpose, incrementX: 2, incrementY: 1, seed: 5)
            #expect(allClose(vector.result, vectorLinked.result, absolute: 1e-4, relative: 1e-5), "sgemv transpose=\(transpose)")
        }
    }

    @Test(.enabled(if: installedBLIS != nil, blisMissing),
          .enabled(if: BLASLibrary.current.kind != .blis, "BLIS multiplies for the whole suite; its thread count is the engine's"))
    func blisGivesTheSameProductOnOneAndTwoThreads() throws {
        let blis = try #require(installedBLIS)
        defer { blis.setThreadCount(1) }
        let shape = (m: 96, k: 260, n: 64)
        blis.setThreadCount(1)
        let one = singleProduct(blis, shape: shape, transposeA: false, transposeB: true, seed: 9)
        blis.setThreadCount(2)
        let two = singleProduct(blis, shape: shape, transposeA: false, transposeB: true, seed: 9)
        #expect(allClose(one.result, two.result, absolute: 1e-4, relative: 1e-5))
        #expect(allClose(two.result.map(Double.init), two.expected, absolute: 1e-3, relative: 1e-4))
    }
}
