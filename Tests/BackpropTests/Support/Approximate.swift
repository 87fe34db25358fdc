import Backprop
@testable import BackpropCore

/// The one approximate-equality helper of the test suite.
///
/// `a ≈ b` when `|a − b| ≤ absolute + relative·max(|a|, |b|)`. Defaults: `absolute = 1e-12`,
/// `relative = 1e-9` — tight enough for Double arithmetic that differs only in summation
/// order; tests of Float code or of statistical quantities pass looser tolerances.
func isClose(_ a: Double, _ b: Double, absolute: Double = 1e-12, relative: Double = 1e-9) -> Bool {
    if a == b { return true }
    return abs(a - b) <= absolute + relative * max(abs(a), abs(b))
}

/// Element-wise ``isClose(_:_:absolute:relative:)`` over two sequences of equal length.
func allClose<S: NetworkScalar>(_ a: [S], _ b: [S], absolute: Double = 1e-12, relative: Double = 1e-9) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { isClose(Double($0), Double($1), absolute: absolute, relative: relative) }
}

/// A matrix of standard-normal values drawn from a seeded generator.
func randomMatrix<S: NetworkScalar>(_ rows: Int, _ columns: Int, seed: UInt64, scale: Double = 1) -> Matrix<S> {
    var random = RandomGenerator(seed: seed)
    return Matrix(rows: rows, columns: columns, elements: (0..<(rows * columns)).map { _ in S(scale * random.normal()) })
}

/// Fills every parameter of `network` with small normal values (σ = `scale`) so tests do
/// not depend on the initialiser module.
func randomizeParameters<S: NetworkScalar>(_ network: Sequential<S>, seed: UInt64, scale: Double = 0.5) {
    var random = RandomGenerator(seed: seed)
    for parameter in network.parameters {
        for i in 0..<parameter.value.count { parameter.value.base[i] = S(scale * random.normal()) }
    }
}
