import Backprop

/// The benchmark's data: 60000 × 784 features uniform in [−1, 1) (centred, like standardised MNIST) and one-hot targets of 10
/// classes given by a fixed random linear "teacher", from ``RandomGenerator`` with a fixed
/// seed (MNIST's shape, not its values).
struct SyntheticData {
    static let sampleCount = 60000, featureCount = 784, classCount = 10

    let features: Matrix<Float>
    let targets: Matrix<Float>

    init(seed: UInt64 = 20261122) {
        var generator = RandomGenerator(seed: seed)
        features = Matrix(rows: Self.sampleCount, columns: Self.featureCount)
        for index in 0..<features.count { features.base[index] = Float(generator.uniform(-1, 1)) }
        // Labels: argmax of x·T for a standard-normal 784 × 10 teacher T (learnable labels).
        let teacher = Matrix<Float>(rows: Self.featureCount, columns: Self.classCount)
        for index in 0..<teacher.count { teacher.base[index] = Float(generator.normal()) }
        let scores = Matrix<Float>(rows: Self.sampleCount, columns: Self.classCount)
        GEMM.multiply(features, teacher, into: scores)
        targets = Matrix(rows: Self.sampleCount, columns: Self.classCount)
        for row in 0..<Self.sampleCount {
            var best = 0, bestScore = -Float.infinity
            for column in 0..<Self.classCount where scores[row, column] > bestScore {
                best = column
                bestScore = scores[row, column]
            }
            targets[row, best] = 1
        }
    }

    /// Copies rows `[batchIndex·b, (batchIndex+1)·b)` into `x` and `y` (b = `x.rows`).
    func copyBatch(_ batchIndex: Int, into x: Matrix<Float>, _ y: Matrix<Float>) {
        let start = batchIndex * x.rows
        x.base.update(from: features.rowPointer(start), count: x.count)
        y.base.update(from: targets.rowPointer(start), count: y.count)
    }
}

/// Fills every weight and bias uniformly in ±1/√fan_in (PyTorch's `nn.Linear` rule).
func initializeUniformly(_ network: Sequential<Float>, seed: UInt64 = 20261123) {
    var generator = RandomGenerator(seed: seed)
    for layer in network.layers {
        let bound = 1 / Double(layer.inputCount).squareRoot()
        for parameter in layer.parameters {
            for index in 0..<parameter.value.count {
                parameter.value.base[index] = Float(generator.uniform(-bound, bound))
            }
        }
    }
}
