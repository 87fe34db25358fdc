import Backprop

/// One matrix product of a training step, `C (m×n) ← op(A)·op(B)` with inner size `k`.
struct ProductShape: CustomStringConvertible {
    let name: String
    let m: Int, n: Int, k: Int
    let transposeA: Bool, transposeB: Bool

    /// `2·m·n·k`.
    var flops: Double { 2 * Double(m) * Double(n) * Double(k) }

    var description: String {
        "\(name) \(m)×\(k)\(transposeA ? "ᵀ" : "")·\(k)×\(n)\(transposeB ? "ᵀ" : "")"
    }

    /// The products of one training step of a dense network with layer `sizes` at batch
    /// `batch`: per layer the forward `X·Wᵀ`, the weight gradient `dZᵀ·X` and, below the
    /// first layer, the input gradient `dZ·W`. With `trainingStep` false, the forward only.
    static func step(sizes: [Int], batch: Int, trainingStep: Bool = true) -> [ProductShape] {
        var shapes: [ProductShape] = []
        for (index, (inputs, outputs)) in zip(sizes, sizes.dropFirst()).enumerated() {
            shapes.append(ProductShape(name: "layer\(index).forward", m: batch, n: outputs, k: inputs, transposeA: false, transposeB: true))
            guard trainingStep else { continue }
            shapes.append(ProductShape(name: "layer\(index).weightGradient", m: outputs, n: inputs, k: batch, transposeA: true, transposeB: false))
            if index > 0 {
                shapes.append(ProductShape(name: "layer\(index).inputGradient", m: batch, n: inputs, k: outputs, transposeA: false, transposeB: false))
            }
        }
        return shapes
    }
}

/// Times `GEMM.multiply` alone on given shapes: the speed the BLAS gives these products in
/// this process, the ceiling for a step made of them.
enum GEMMProbe {
    /// Seconds per call of `shape`: the best of 3 runs of at least `budget` seconds each.
    static func secondsPerCall(_ shape: ProductShape, budget: Double, engine: ComputeEngine) -> Double {
        var generator = RandomGenerator(seed: 7)
        func random(_ rows: Int, _ columns: Int) -> Matrix<Float> {
            let matrix = Matrix<Float>(rows: rows, columns: columns)
            for index in 0..<matrix.count { matrix.base[index] = Float(generator.uniform(-1, 1)) }
            return matrix
        }
        let a = shape.transposeA ? random(shape.k, shape.m) : random(shape.m, shape.k)
        let b = shape.transposeB ? random(shape.n, shape.k) : random(shape.k, shape.n)
        let c = Matrix<Float>(rows: shape.m, columns: shape.n)
        func call() { GEMM.multiply(a, b, into: c, transposeA: shape.transposeA, transposeB: shape.transposeB, engine: engine) }
        for _ in 0..<5 { call() }
        var best = Double.infinity
        for _ in 0..<3 {
            var count = 0
            let start = now()
            var elapsed = 0.0
            repeat {
                for _ in 0..<4 { call() }
                count += 4
                elapsed = now() - start
            } while elapsed < budget
            best = min(best, elapsed / Double(count))
        }
        return best
    }

    /// Per-shape seconds per call, in the order given.
    static func measure(_ shapes: [ProductShape], budget: Double, engine: ComputeEngine) -> [(shape: ProductShape, seconds: Double)] {
        shapes.map { ($0, secondsPerCall($0, budget: budget, engine: engine)) }
    }
}
