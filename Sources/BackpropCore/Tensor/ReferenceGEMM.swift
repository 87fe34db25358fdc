/// A cache-blocked matrix product written in plain Swift: the reference the BLAS path is
/// tested against, and a fallback where no BLAS is available.
///
/// Computes `C ← α·A·B + β·C` for `A` (`m × k`) and `B` (`k × n`) given by element strides,
/// so transposed operands need no copy. Blocks of 64 × 256 × 64 keep the working set in L2.
enum ReferenceGEMM {
    static let blockRows = 64
    static let blockDepth = 256
    static let blockColumns = 64

    static func multiply<Scalar: NetworkScalar>(
        m: Int, n: Int, k: Int, alpha: Scalar,
        a: UnsafePointer<Scalar>, aRowStride: Int, aColumnStride: Int,
        b: UnsafePointer<Scalar>, bRowStride: Int, bColumnStride: Int,
        beta: Scalar, c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        for i in 0..<m {
            for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] }
        }
        guard k > 0 else { return }
        for i0 in stride(from: 0, to: m, by: blockRows) {
            let i1 = min(i0 + blockRows, m)
            for p0 in stride(from: 0, to: k, by: blockDepth) {
                let p1 = min(p0 + blockDepth, k)
                for j0 in stride(from: 0, to: n, by: blockColumns) {
                    let j1 = min(j0 + blockColumns, n)
                    for i in i0..<i1 {
                        let cRow = c + i * ldc
                        for p in p0..<p1 {
                            let scaledA = alpha * a[i * aRowStride + p * aColumnStride]
                            let bRow = b + p * bRowStride
                            for j in j0..<j1 { cRow[j] += scaledA * bRow[j * bColumnStride] }
                        }
                    }
                }
            }
        }
    }
}
