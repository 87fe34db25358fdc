import Backprop
import Foundation

/// The benchmark's data: 60000 × 784 features and one-hot targets of 10 classes.
///
/// Synthetic by default: features uniform in [−1, 1) (centred, like standardised MNIST) and
/// labels given by a fixed random linear "teacher", from ``RandomGenerator`` with a fixed
/// seed (MNIST's shape, not its values). With `BENCH_MNIST=DIR` (set by `run.sh` when the
/// files are present): MNIST's 60000 training images from the IDX files in `DIR`,
/// standardised as `(pixel/255 − 0.1307)/0.3081`, in file order.
struct BenchmarkData {
    static let sampleCount = 60000, featureCount = 784, classCount = 10

    let features: Matrix<Float>
    let targets: Matrix<Float>
    /// `"synthetic"` or `"mnist DIR"`, for the environment line.
    let name: String

    /// The data `BENCH_MNIST` asks for.
    static func fromEnvironment() throws -> BenchmarkData {
        guard let directory = ProcessInfo.processInfo.environment["BENCH_MNIST"], !directory.isEmpty else {
            return synthetic()
        }
        return try mnist(directory: directory)
    }

    static func synthetic(seed: UInt64 = 20261122) -> BenchmarkData {
        var generator = RandomGenerator(seed: seed)
        let features = Matrix<Float>(rows: sampleCount, columns: featureCount)
        for index in 0..<features.count { features.base[index] = Float(generator.uniform(-1, 1)) }
        // Labels: argmax of x·T for a standard-normal 784 × 10 teacher T (learnable labels).
        let teacher = Matrix<Float>(rows: featureCount, columns: classCount)
        for index in 0..<teacher.count { teacher.base[index] = Float(generator.normal()) }
        let scores = Matrix<Float>(rows: sampleCount, columns: classCount)
        GEMM.multiply(features, teacher, into: scores, engine: .default)
        let targets = Matrix<Float>(rows: sampleCount, columns: classCount)
        for row in 0..<sampleCount {
            var best = 0, bestScore = -Float.infinity
            for column in 0..<classCount where scores[row, column] > bestScore {
                best = column
                bestScore = scores[row, column]
            }
            targets[row, best] = 1
        }
        return BenchmarkData(features: features, targets: targets, name: "synthetic")
    }

    /// - Throws: `DataError` naming the file when one is missing or malformed, or when the
    ///   set is not 60000 images of 28 × 28.
    static func mnist(directory: String) throws -> BenchmarkData {
        let names = MNISTLoader.fileNames
        let images = try MNISTLoader.locate(names.trainImages, in: directory)
        let set = try MNISTLoader.loadPair(
            images: images, labels: MNISTLoader.locate(names.trainLabels, in: directory), as: Float.self)
        guard set.count == sampleCount, set.featureCount == featureCount else {
            throw DataError(file: images, reason: .mismatch(
                "\(set.count) images of \(set.featureCount) pixels; the benchmark needs \(sampleCount) of \(featureCount)"))
        }
        for index in 0..<set.features.count {
            set.features.base[index] = (set.features.base[index] / 255 - 0.1307) / 0.3081
        }
        return BenchmarkData(features: set.features, targets: set.targets, name: "mnist \(directory)")
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
