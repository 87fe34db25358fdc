/// An exponential moving average of a network's weights (Polyak averaging), kept beside the
/// weights being trained and updated after every optimiser step.
///
/// After the `t`-th update (`t` = 1, 2, …) every parameter θ and every buffer (batch-norm
/// running mean and variance) moves its average θ̄ by
///
/// `d_t = min(d, (1 + t)/(10 + t))`, `θ̄ ← d_t·θ̄ + (1 − d_t)·θ`,
///
/// with θ̄ starting at the weights the training starts from. The warm-up `(1 + t)/(10 + t)`
/// (0.18 after the first update, 0.5 after the eighth, 0.9 after the 80th) keeps the early
/// average from being dominated by the random initial weights, which a plain average with
/// `d = 0.999` would remember for thousands of updates; once `(1 + t)/(10 + t)` exceeds `d`
/// the rule is the plain average. Batch-norm running statistics are averaged with the same
/// `d_t`, so the averaged model normalises with statistics that follow its own weights'
/// history rather than the live network's latest ones.
///
/// The averaged values are evaluated and saved by swapping them into the live network
/// (``withAveragedWeights(_:)``), which copies nothing; an update allocates nothing. The
/// trainer saves the average in a snapshot (as a ``ResumableTrainingCallback``) so a resumed
/// run continues it exactly.
///
/// ```swift
/// let average = WeightAverage<Float>(decay: 0.999)
/// trainer.weightAverage = average
/// try trainer.fit(training, validation: dev)
/// let averagedDev = try average.withAveragedWeights { try Evaluator<Float>().evaluate(network, loss: loss, on: dev) }
/// ```
public final class WeightAverage<Scalar: NetworkScalar>: ResumableTrainingCallback {
    /// d, the largest decay, in `[0, 1)`.
    public let decay: Double
    /// Updates averaged so far, `t`.
    public private(set) var updates = 0
    private var network: Sequential<Scalar>?
    /// The live tensors (parameters then buffers) and their averages, in network order.
    private var live: [Matrix<Scalar>] = []
    private var averages: [Matrix<Scalar>] = []

    /// `false`: it averages weights, not gradients.
    public var readsGradientsAfterEachBatch: Bool { false }

    /// An average with largest decay `decay` (0 ≤ d < 1).
    ///
    /// - Throws: ``NetworkError/invalidValue(setting:value:requirement:)`` for a decay outside `[0, 1)`.
    public init(decay: Double) throws {
        guard decay >= 0 && decay < 1 else {
            throw NetworkError.invalidValue(setting: "The weight-average decay", value: "\(decay)", requirement: "must lie in [0, 1)")
        }
        self.decay = decay
    }

    /// The decay `d_t = min(d, (1 + t)/(10 + t))` applied by the `t`-th update.
    public func decay(atUpdate t: Int) -> Double {
        min(decay, Double(1 + t) / Double(10 + t))
    }

    /// Starts averaging `network` from its current values: the average equals the weights,
    /// `t` = 0. The buffers are allocated here, once.
    public func begin(_ network: Sequential<Scalar>) {
        self.network = network
        live = network.parameters.map(\.value) + network.namedBuffers.map(\.value)
        averages = live.map { Matrix(rows: $0.rows, columns: $0.columns, elements: $0.elements) }
        updates = 0
    }

    /// Moves the average towards the current weights after one more optimiser step.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func update() {
        precondition(network != nil, "WeightAverage.update() before begin(_:)")
        updates += 1
        let d = decay(atUpdate: updates)
        let factor = Scalar(d), complement = Scalar(1 - d)
        for (value, average) in zip(live, averages) {
            let w = value.base, a = average.base
            if Scalar.self == Float.self {
                OptimizerKernels.movingAverage(average: FloatKernels.floats(a), weights: FloatKernels.floats(w), count: value.count,
                                               decay: Float(factor), oneMinusDecay: Float(complement))
                continue
            }
            for i in 0..<value.count { a[i] = factor * a[i] + complement * w[i] }
        }
    }

    /// Runs `body` with the averaged values in the network's parameters and buffers, then
    /// puts the live values back exactly (the two are swapped, not recomputed).
    public func withAveragedWeights<Result>(_ body: () throws -> Result) rethrows -> Result {
        swap()
        defer { swap() }
        return try body()
    }

    /// The averaged values in network order: parameters then buffers.
    public var averagedValues: [Matrix<Scalar>] { averages }

    private func swap() {
        for (value, average) in zip(live, averages) {
            let w = value.base, a = average.base
            for i in 0..<value.count { (w[i], a[i]) = (a[i], w[i]) }
        }
    }

    // MARK: - Snapshots

    public var checkpointKey: String { "weight-average" }

    /// `t` and every average as a tensor (parameters then buffers, in network order).
    public func checkpointState() -> CallbackState {
        CallbackState(numbers: ["updates": Double(updates), "decay": decay], tensors: averages.map { $0.elementsAsDouble })
    }

    public func restore(_ state: CallbackState, in context: TrainingContext<Scalar>) throws {
        func fail(_ detail: String) -> TrainingError {
            TrainingError.invalidOptions("The checkpoint's weight average does not fit this run: \(detail)")
        }
        guard let count = state.numbers["updates"], count >= 0, count == count.rounded() else { throw fail("no valid update count") }
        guard state.numbers["decay"] == decay else { throw fail("it was taken with decay \(state.numbers["decay"] ?? .nan), this run averages with \(decay)") }
        if network !== context.network { begin(context.network) }
        guard state.tensors.count == averages.count else {
            throw fail("it holds \(state.tensors.count) tensors, the network has \(averages.count) parameters and buffers")
        }
        for (index, (values, average)) in zip(state.tensors, averages).enumerated() where values.count != average.count {
            throw fail("tensor \(index) has \(values.count) values, the network needs \(average.count)")
        }
        for (values, average) in zip(state.tensors, averages) {
            for index in 0..<values.count { average.base[index] = Scalar(values[index]) }
        }
        updates = Int(count)
    }
}
