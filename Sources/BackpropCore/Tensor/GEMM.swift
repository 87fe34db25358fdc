/// General matrix multiplication on ``Matrix`` values:
/// `C ← α·op(A)·op(B) + β·C`, where `op(X)` is `X` or `Xᵀ`.
///
/// Transposes are flags passed to BLAS, never copies. With `op(A)` of shape `m × k` and
/// `op(B)` of shape `k × n`, `C` must be `m × n`.
public enum GEMM {
    /// Multiplies through ``NetworkScalar/blasGEMM(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:engine:)``:
    /// `engine`'s ``ComputeEngine/floatGEMMKernel`` for Float matrix products,
    /// ``BLASLibrary/current`` otherwise, on the threads `engine` allows.
    ///
    /// Layers pass their own ``EngineConfigurable/engine``; code that belongs to no network
    /// (data preprocessing, one-off products) passes ``ComputeEngine/default``.
    @inlinable
    public static func multiply<Scalar: NetworkScalar>(
        _ a: Matrix<Scalar>, _ b: Matrix<Scalar>, into c: Matrix<Scalar>,
        transposeA: Bool = false, transposeB: Bool = false, alpha: Scalar = 1, beta: Scalar = 0,
        engine: ComputeEngine
    ) {
        let (m, k, n) = checkedDimensions(a, transposeA, b, transposeB, c)
        if m == 0 || n == 0 { return }
        if k == 0 {
            scaleInPlace(c, by: beta)
            return
        }
        Scalar.blasGEMM(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
            alpha: alpha, a: a.base, lda: max(a.columns, 1), b: b.base, ldb: max(b.columns, 1),
            beta: beta, c: c.base, ldc: max(c.columns, 1), engine: engine)
    }

    /// Multiplies with the blocked pure-Swift kernel of `ReferenceGEMM`: same contract
    /// as ``multiply(_:_:into:transposeA:transposeB:alpha:beta:engine:)``, no BLAS involved.
    public static func multiplyWithoutBLAS<Scalar: NetworkScalar>(
        _ a: Matrix<Scalar>, _ b: Matrix<Scalar>, into c: Matrix<Scalar>,
        transposeA: Bool = false, transposeB: Bool = false, alpha: Scalar = 1, beta: Scalar = 0
    ) {
        let (m, k, n) = checkedDimensions(a, transposeA, b, transposeB, c)
        ReferenceGEMM.multiply(
            m: m, n: n, k: k, alpha: alpha,
            a: a.base, aRowStride: transposeA ? 1 : a.columns, aColumnStride: transposeA ? a.columns : 1,
            b: b.base, bRowStride: transposeB ? 1 : b.columns, bColumnStride: transposeB ? b.columns : 1,
            beta: beta, c: c.base, ldc: c.columns)
    }

    @usableFromInline
    static func checkedDimensions<Scalar>(
        _ a: Matrix<Scalar>, _ transposeA: Bool, _ b: Matrix<Scalar>, _ transposeB: Bool, _ c: Matrix<Scalar>
    ) -> (m: Int, k: Int, n: Int) {
        let (m, k) = transposeA ? (a.columns, a.rows) : (a.rows, a.columns)
        let (kb, n) = transposeB ? (b.columns, b.rows) : (b.rows, b.columns)
        precondition(k == kb, "GEMM inner dimensions differ: op(A) is \(m)×\(k), op(B) is \(kb)×\(n)")
        precondition(c.rows == m && c.columns == n, "GEMM output is \(c.rows)×\(c.columns), expected \(m)×\(n)")
        return (m, k, n)
    }

    @usableFromInline
    static func scaleInPlace<Scalar>(_ c: Matrix<Scalar>, by beta: Scalar) {
        for index in 0..<c.count { c.base[index] = beta == 0 ? 0 : beta * c.base[index] }
    }
}
