import RealModule

/// A floating-point type the engine computes in: `Float` for training, `Double` for
/// gradient checking.
///
/// Conforming types route matrix products to the BLAS routine of their precision
/// (`sgemm` / `dgemm` of ``BLASLibrary/current``) and provide the elementary functions of
/// swift-numerics' `Real`.
public protocol NetworkScalar: BinaryFloatingPoint, Real, Codable, Sendable
where RawSignificand: FixedWidthInteger {
    /// `C ← α·op(A)·op(B) + β·C` on row-major buffers through BLAS (or the kernel `engine`
    /// selects), with the threads `engine` allows.
    ///
    /// `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`; `lda`, `ldb`, `ldc` are the
    /// row strides of the buffers as stored (before any transpose).
    static func blasGEMM(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int,
        b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int, engine: ComputeEngine)

    /// The precision's name as used in reports: `"float32"` or `"float64"`.
    static var precisionName: String { get }
}

extension Float: NetworkScalar {
    /// Runs `engine`'s ``ComputeEngine/floatGEMMKernel`` (Backprop's AVX-512 or AVX2 kernel
    /// where the CPU has it, else `sgemm`; the bfloat16 kernel for every product when
    /// ``ComputeEngine/precision`` is ``ProductPrecision/bf16``), or `sgemv` when `op(B)` has
    /// one column or `op(A)` one row (except the AVX-512 kernel's row-times-transposed-matrix,
    /// a dense layer on one example);
    /// BLAS products below ``ComputeEngine/blasParallelFLOPLimit`` run on one thread.
    public static func blasGEMM(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, engine: ComputeEngine
    ) {
        if let variant = FloatGEMMKernel.nativeVariant(transposeA: transposeA, transposeB: transposeB, m: m, n: n, engine: engine) {
            FloatGEMMKernel.multiplyNatively(
                variant: variant, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc,
                threads: Int(engine.nativeThreads(m: m, n: n, k: k)))
        } else {
            multiplyThroughBLAS(
                transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, engine: engine)
        }
    }

    /// `sgemm`, or `sgemv` for a single row or column, whatever `engine`'s kernel is, through
    /// ``BLASLibrary/current`` with the threads `engine` allows.
    static func multiplyThroughBLAS(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, engine: ComputeEngine
    ) {
        BLASThreading.prepare(m: m, n: n, k: k, engine: engine)
        let blas = BLASLibrary.selection.library.routines
        if m == 1 {
            // c (1×n) = op(B)ᵀ · op(A)ᵀ: a vector-matrix product.
            let incrementA = transposeA ? lda : 1
            if transposeB {  // B stored n×k
                blas.sgemv(transpose: false, rows: n, columns: k, alpha: alpha, a: b, lda: ldb,
                           x: a, incrementX: incrementA, beta: beta, y: c, incrementY: 1)
            } else {  // B stored k×n
                blas.sgemv(transpose: true, rows: k, columns: n, alpha: alpha, a: b, lda: ldb,
                           x: a, incrementX: incrementA, beta: beta, y: c, incrementY: 1)
            }
            return
        }
        if n == 1 {
            // c (m×1) = op(A) · op(B): a matrix-vector product; c's column has stride ldc.
            let incrementB = transposeB ? 1 : ldb
            if transposeA {  // A stored k×m
                blas.sgemv(transpose: true, rows: k, columns: m, alpha: alpha, a: a, lda: lda,
                           x: b, incrementX: incrementB, beta: beta, y: c, incrementY: ldc)
            } else {  // A stored m×k
                blas.sgemv(transpose: false, rows: m, columns: k, alpha: alpha, a: a, lda: lda,
                           x: b, incrementX: incrementB, beta: beta, y: c, incrementY: ldc)
            }
            return
        }
        blas.sgemm(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
            alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    public static var precisionName: String { "float32" }
}

extension Double: NetworkScalar {
    public static func blasGEMM(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int, engine: ComputeEngine
    ) {
        BLASThreading.prepare(m: m, n: n, k: k, engine: engine)
        BLASLibrary.selection.library.routines.dgemm(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
            alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    public static var precisionName: String { "float64" }
}

/// Converts a dimension to the integer type of the platform's CBLAS interface.
@usableFromInline
func blasInt(_ value: Int) -> Int32 {
    Int32(truncatingIfNeeded: value)
}
