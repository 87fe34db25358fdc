import RealModule

#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// A floating-point type the engine computes in: `Float` for training, `Double` for
/// gradient checking.
///
/// Conforming types route matrix products to the BLAS routine of their precision
/// (`sgemm` / `dgemm`) and provide the elementary functions of swift-numerics' `Real`.
public protocol NetworkScalar: BinaryFloatingPoint, Real, Codable, Sendable
where RawSignificand: FixedWidthInteger {
    /// `C ← α·op(A)·op(B) + β·C` on row-major buffers through BLAS.
    ///
    /// `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`; `lda`, `ldb`, `ldc` are the
    /// row strides of the buffers as stored (before any transpose).
    static func blasGEMM(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int,
        b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)

    /// The precision's name as used in reports: `"float32"` or `"float64"`.
    static var precisionName: String { get }
}

extension Float: NetworkScalar {
    @inlinable
    public static func blasGEMM(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            blasInt(m), blasInt(n), blasInt(k), alpha, a, blasInt(lda), b, blasInt(ldb),
            beta, c, blasInt(ldc))
    }

    public static var precisionName: String { "float32" }
}

extension Double: NetworkScalar {
    @inlinable
    public static func blasGEMM(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            blasInt(m), blasInt(n), blasInt(k), alpha, a, blasInt(lda), b, blasInt(ldb),
            beta, c, blasInt(ldc))
    }

    public static var precisionName: String { "float64" }
}

/// Converts a dimension to the integer type of the platform's CBLAS interface.
@usableFromInline
func blasInt(_ value: Int) -> Int32 {
    Int32(truncatingIfNeeded: value)
}
