#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
import BackpropCore
#endif

/// Eigen-decomposition of a real symmetric matrix through LAPACK `dsyev`
/// (OpenBLAS on Linux, Accelerate on Apple): `A = U·diag(λ)·Uᵀ`.
public enum SymmetricEigen {
    /// The eigenvalues in descending order and the matching unit eigenvectors.
    ///
    /// - Parameters:
    ///   - matrix: `n × n` symmetric, row-major (only one triangle is read).
    ///   - n: the side of the matrix; `matrix` holds `n²` elements.
    /// - Returns: `values[j]` and `vectors[j]` (an `n`-array) for `j` from the largest
    ///   eigenvalue down. Each vector's largest-magnitude component is made positive, so
    ///   the result is deterministic.
    /// - Throws: `NetworkError.numericalFailure(operation:detail:)` when LAPACK reports failure.
    public static func decompose(_ matrix: [Double], size n: Int) throws -> (values: [Double], vectors: [[Double]]) {
        precondition(matrix.count == n * n, "A \(n)×\(n) matrix needs \(n * n) elements, got \(matrix.count)")
        if n == 0 { return ([], []) }
        var a = matrix  // symmetric: row-major and column-major are the same
        var values = [Double](repeating: 0, count: n)
        var jobz = CChar(UInt8(ascii: "V")), uplo = CChar(UInt8(ascii: "U"))
        var order = Int32(n), leading = Int32(n), info: Int32 = 0
        var workSize: Int32 = -1
        var optimal = 0.0
        callLAPACK(&jobz, &uplo, &order, &a, &leading, &values, &optimal, &workSize, &info)
        workSize = Int32(max(Int(optimal), 3 * n))
        var work = [Double](repeating: 0, count: Int(workSize))
        callLAPACK(&jobz, &uplo, &order, &a, &leading, &values, &work, &workSize, &info)
        guard info == 0 else {
            throw NetworkError.numericalFailure(operation: "LAPACK dsyev", detail: "info = \(info) on a \(n)×\(n) matrix")
        }
        // Column j of the column-major result (= row j of `a` read row-major) is eigenvector j.
        var vectors: [[Double]] = []
        vectors.reserveCapacity(n)
        for j in stride(from: n - 1, through: 0, by: -1) {
            var vector = Array(a[(j * n)..<((j + 1) * n)])
            if let largest = vector.indices.max(by: { abs(vector[$0]) < abs(vector[$1]) }), vector[largest] < 0 {
                for i in vector.indices { vector[i] = -vector[i] }
            }
            vectors.append(vector)
        }
        return (values.reversed(), vectors)
    }

    /// `dsyev` with the platform's signature: Accelerate's returns a status, OpenBLAS's nothing.
    private static func callLAPACK(_ jobz: inout CChar, _ uplo: inout CChar, _ n: inout Int32, _ a: inout [Double], _ lda: inout Int32,
                                   _ w: inout [Double], _ work: UnsafeMutablePointer<Double>, _ lwork: inout Int32, _ info: inout Int32) {
        #if canImport(Accelerate)
        _ = dsyev_(&jobz, &uplo, &n, &a, &lda, &w, work, &lwork, &info)
        #else
        dsyev_(&jobz, &uplo, &n, &a, &lda, &w, work, &lwork, &info)
        #endif
    }
}
