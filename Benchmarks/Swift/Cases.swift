import Backprop

/// A training case: network, optimiser, batch size and the precision of the products (the
/// same ids as the reference scripts; a bfloat16 case is Backprop's alone, its id the
/// float32 case's with `-bf16` appended, and is compared with that case's peers).
struct TrainingCase {
    var identifier: String
    let sizes: [Int]
    let activation: Activation
    let optimizer: OptimizerKind
    let batch: Int
    var precision: ProductPrecision = .float32

    /// This case with its products in bfloat16.
    var inBF16: TrainingCase {
        var copy = self
        copy.precision = .bf16
        copy.identifier += "-bf16"
        return copy
    }

    /// The `backprop train` flags of this case (data and epochs aside), with which
    /// `Benchmarks/run.sh` times the command itself.
    var trainFlags: [String] {
        ["--layers", sizes.map(String.init).joined(separator: ","), "--activation", activation.name,
         "--optimizer", optimizer.rawValue, "--lr", "\(optimizer.learningRate)", "--batch-size", "\(batch)"]
            + (precision == .float32 ? [] : ["--precision", precision.rawValue])
    }

    /// Whether this CPU runs the case's precision (bfloat16 needs AVX-512 BF16).
    var runsHere: Bool { precision.missingCPUFeature == nil }

    /// `engine` with this case's product precision.
    func engine(from engine: ComputeEngine) -> ComputeEngine {
        var engine = engine
        engine.precision = precision
        return engine
    }

    static let narrow128 = TrainingCase(identifier: "a-784-256-10-relu-adam-b128", sizes: [784, 256, 10], activation: .relu, optimizer: .adam, batch: 128)
    static let narrow1024 = TrainingCase(identifier: "a-784-256-10-relu-adam-b1024", sizes: [784, 256, 10], activation: .relu, optimizer: .adam, batch: 1024)
    static let wide1024 = TrainingCase(identifier: "b-784-1024-1024-10-relu-adam-b1024", sizes: [784, 1024, 1024, 10], activation: .relu, optimizer: .adam, batch: 1024)

    static let all: [TrainingCase] = [
        TrainingCase(identifier: "a-784-256-10-relu-adam-b32", sizes: [784, 256, 10], activation: .relu, optimizer: .adam, batch: 32),
        narrow128, narrow128.inBF16,
        narrow1024, narrow1024.inBF16,
        TrainingCase(identifier: "b-784-1024-1024-10-relu-adam-b128", sizes: [784, 1024, 1024, 10], activation: .relu, optimizer: .adam, batch: 128),
        wide1024, wide1024.inBF16,
        TrainingCase(identifier: "c-784-100-10-sigmoid-sgd-b10", sizes: [784, 100, 10], activation: .sigmoid, optimizer: .sgd, batch: 10),
    ]
}

/// An inference case: forward passes of a trained-shape network at one batch size.
struct InferenceCase {
    let identifier: String
    let sizes: [Int]
    let batch: Int

    static let all: [InferenceCase] = [
        InferenceCase(identifier: "d-784-256-10-inference-b1", sizes: [784, 256, 10], batch: 1),
        InferenceCase(identifier: "d-784-256-10-inference-b1024", sizes: [784, 256, 10], batch: 1024),
    ]
}

/// How long to measure: quick mode times a fraction of an epoch and extrapolates.
struct Budget {
    let quick: Bool
    /// Seconds per timed repeat of a training case (`nil`: one full epoch per repeat).
    var trainingRepeatSeconds: Double? { quick ? 0.2 : nil }
    var warmupSteps: Int { quick ? 20 : 50 }
    /// Timed repeats; the best one counts (more short repeats in quick mode, so that one of
    /// them is likely to fall in a quiet moment of a shared machine).
    var repeats: Int { quick ? 5 : 3 }
    var inferenceRepeatSeconds: Double { quick ? 0.15 : 1.5 }
    /// Seconds per timed repeat of one raw GEMM shape.
    var productSeconds: Double { quick ? 0.03 : 0.15 }
    /// Seconds of the peak FMA probe measured with each case.
    var peakSeconds: Double { quick ? 0.02 : 0.05 }
}

/// The batches of one epoch, built once per case so that a step reads its batch in place
/// (as the reference scripts slice views of one array).
func makeBatches(_ data: BenchmarkData, batch: Int) -> [(x: Matrix<Float>, y: Matrix<Float>)] {
    (0..<(BenchmarkData.sampleCount / batch)).map { index in
        let x = Matrix<Float>(rows: batch, columns: BenchmarkData.featureCount)
        let y = Matrix<Float>(rows: batch, columns: BenchmarkData.classCount)
        data.copyBatch(index, into: x, y)
        return (x, y)
    }
}
