/// Random matrices with orthonormal rows or columns (Saxe, McClelland & Ganguli 2013).
///
/// For a weight `W` of shape `r × c`, a Gaussian matrix `G` of shape `max(r,c) × min(r,c)` is
/// factored `G = Q·R` by modified Gram–Schmidt with re-orthogonalisation in `Double`; `R` has a
/// positive diagonal, so `Q` is distributed uniformly (Haar). `W = gain·Q` when `r ≥ c`
/// (then `WᵀW = gain²·I`) and `W = gain·Qᵀ` when `r < c` (then `WWᵀ = gain²·I`).
enum Orthogonal {
    /// Fills `weights` with `gain` times a random matrix with orthonormal rows or columns.
    static func fill<Scalar: NetworkScalar>(_ weights: Matrix<Scalar>, gain: Double, random: inout RandomGenerator) {
        let (rows, columns) = (weights.rows, weights.columns)
        let long = max(rows, columns), short = min(rows, columns)
        guard short > 0 else { return }
        // Vector j (column j of G, length `long`) occupies q[j*long ..< (j+1)*long].
        var storage = (0..<(short * long)).map { _ in random.normal() }
        storage.withUnsafeMutableBufferPointer { buffer in
            let q = buffer.baseAddress!
            for j in 0..<short {
                let v = q + j * long
                var norm = 0.0
                repeat {
                    // Two passes: the second removes what rounding left of earlier directions.
                    for _ in 0..<2 {
                        for i in 0..<j {
                            let u = q + i * long
                            var projection = 0.0
                            for k in 0..<long { projection += u[k] * v[k] }
                            for k in 0..<long { v[k] -= projection * u[k] }
                        }
                    }
                    norm = 0
                    for k in 0..<long { norm += v[k] * v[k] }
                    norm = norm.squareRoot()
                    // A degenerate Gaussian draw has probability 0; redraw to stay well defined.
                    if norm < 1e-10 { for k in 0..<long { v[k] = random.normal() } }
                } while norm < 1e-10
                for k in 0..<long { v[k] /= norm }
            }
            for r in 0..<rows {
                for c in 0..<columns {
                    // Tall: W[r, c] = Q[r, c] = vector c, entry r; wide: W = Qᵀ, W[r, c] = vector r, entry c.
                    let value = rows >= columns ? q[c * long + r] : q[r * long + c]
                    weights.base[r * columns + c] = Scalar(gain * value)
                }
            }
        }
    }
}
