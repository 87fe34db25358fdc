/// Gradient checking by central differences (see the GradientChecking article).
///
/// For every parameter element `θ_i`: `g̃_i = (J(θ + εe_i) − J(θ − εe_i)) / 2ε`, compared with
/// the back-propagated `g` by `d = ‖g̃ − g‖₂ / (‖g̃‖₂ + ‖g‖₂)`, per parameter tensor and over
/// all of θ. Below 1e-7 is excellent, around 1e-5 deserves a closer look, above 1e-3 is almost
/// certainly a bug. Use `Double` with ε = ``defaultEpsilon`` (1e-6; about 1e-4 for `Float`).
/// The cost includes the regulariser; noise layers (dropout) are switched off; batch norm is
/// checked in training mode.
///
/// ```swift
/// let report = try GradientCheck.run(network: network, loss: SoftmaxCrossEntropy<Double>(),
///                                    inputs: x, targets: y)
/// print(report.maxRelativeError, report.verdict)
/// ```
public enum GradientCheck {
    /// The default finite-difference step ε for `Double`: 1e-6.
    ///
    /// The central difference errs by about `ε²·|J'''|/6` (truncation) plus `u·|J|/ε`
    /// (rounding, `u ≈ 1.1e-16`), smallest near ε ≈ 1e-5 for costs of order one. The often-quoted
    /// ε ≈ 1e-7 sits deep in the rounding regime: on deep sigmoid or softmax networks, whose
    /// first-layer gradients are small, it alone pushes `d` to about 1e-6 although the
    /// gradients are right; with 1e-6 the same networks read below 1e-7. A step much above
    /// 1e-6 would cross ReLU kinks more often, so 1e-6 is the compromise.
    public static let defaultEpsilon = 1e-6

    /// The relative error of one parameter tensor.
    public struct TensorResult: Codable, Sendable, Equatable {
        /// The PyTorch-style name, e.g. `layers.0.weight`.
        public var name: String
        /// `d` restricted to this tensor.
        public var relativeError: Double
        /// Elements checked.
        public var elementCount: Int
    }

    /// How a relative error reads, by the usual thresholds (see the GradientChecking article).
    public enum Verdict: String, Codable, Sendable {
        /// d < 1e-7.
        case excellent
        /// 1e-7 ≤ d < 1e-5.
        case good
        /// 1e-5 ≤ d < 1e-3: look closer (kinks of ReLU can cause this).
        case suspicious
        /// d ≥ 1e-3: almost certainly a bug.
        case wrong

        /// The verdict for a relative error `d`.
        public init(relativeError d: Double) {
            self = d < 1e-7 ? .excellent : d < 1e-5 ? .good : d < 1e-3 ? .suspicious : .wrong
        }
    }

    /// The outcome of a check.
    public struct Report: Codable, Sendable {
        /// One entry per parameter tensor, in network order.
        public var tensors: [TensorResult]
        /// `d` over all parameters at once.
        public var overallRelativeError: Double
        /// The largest per-tensor `d`.
        public var maxRelativeError: Double
        /// The threshold ``passed`` compares against.
        public var tolerance: Double

        /// `true` when every tensor's error is below ``tolerance``.
        public var passed: Bool { maxRelativeError < tolerance }
        /// The verdict for ``maxRelativeError``.
        public var verdict: Verdict { Verdict(relativeError: maxRelativeError) }
    }

    /// Checks every parameter gradient of `network` under `loss` on one batch.
    ///
    /// - Parameters:
    ///   - network: the network whose parameter gradients are checked; its parameters are
    ///     perturbed one element at a time and restored.
    ///   - loss: the cost `J` is the batch mean of this loss (plus the penalty).
    ///   - inputs: the batch, `m × inputCount`.
    ///   - targets: the targets, `m × outputCount` (one-hot rows for class labels).
    ///   - epsilon: the step ε (``defaultEpsilon`` = 1e-6 for `Double`, about 1e-4 for `Float`).
    ///   - regularizer: a weight penalty included in J, applied to regularised tensors.
    ///   - exampleCount: the `n` of the penalty; defaults to the batch size.
    ///   - tolerance: the largest per-tensor error that passes (1e-5 by default).
    /// - Throws: ``NetworkError`` when the batch does not fit the network.
    public static func run<Scalar: NetworkScalar>(
        network: Sequential<Scalar>, loss: some Loss<Scalar>,
        inputs: Matrix<Scalar>, targets: Matrix<Scalar>,
        epsilon: Double = defaultEpsilon, regularizer: (any Regularizer<Scalar>)? = nil,
        exampleCount: Int? = nil, tolerance: Double = 1e-5
    ) throws -> Report {
        let noisyLayers = network.layers.compactMap { $0 as? StochasticLayer }.filter(\.isNoiseEnabled)
        noisyLayers.forEach { $0.isNoiseEnabled = false }
        defer { noisyLayers.forEach { $0.isNoiseEnabled = true } }

        let n = exampleCount ?? inputs.rows
        func objective() throws -> Double {
            let logits = try network.forward(inputs, mode: .training)
            var total = loss.cost(logits: logits, targets: targets, gradient: nil)
            if let regularizer {
                for parameter in network.parameters where parameter.isRegularized {
                    total += regularizer.penalty(parameter.value, exampleCount: n)
                }
            }
            return Double(total)
        }

        try loss.validate(logits: try network.forward(inputs, mode: .training), targets: targets)
        // The analytic gradients come from the training step itself (its update never runs).
        let step = TrainingStep(network: network, loss: loss, optimizer: GradientDescent<Scalar>(), regularizer: regularizer,
                                penaltyExampleCount: n, batchCapacity: inputs.rows)
        _ = try step.computeGradients(features: inputs, targets: targets)
        let named = network.namedParameters
        let analytic: [[Double]] = named.map { entry in
            entry.parameter.gradient.elementsAsDouble
        }

        var results: [TensorResult] = []
        var totals = ErrorSums()
        for (index, entry) in named.enumerated() {
            let value = entry.parameter.value
            var sums = ErrorSums()
            for i in 0..<value.count {
                let original = value.base[i]
                value.base[i] = original + Scalar(epsilon)
                let plus = try objective()
                value.base[i] = original - Scalar(epsilon)
                let minus = try objective()
                value.base[i] = original
                let numeric = (plus - minus) / (2 * epsilon)
                sums.add(numeric: numeric, analytic: analytic[index][i])
            }
            totals.merge(sums)
            results.append(TensorResult(name: entry.name, relativeError: sums.relativeError, elementCount: value.count))
        }
        return Report(
            tensors: results, overallRelativeError: totals.relativeError,
            maxRelativeError: results.map(\.relativeError).max() ?? 0, tolerance: tolerance)
    }

    /// Running sums for `‖g̃ − g‖₂ / (‖g̃‖₂ + ‖g‖₂)`.
    private struct ErrorSums {
        var difference = 0.0, numeric = 0.0, analytic = 0.0

        mutating func add(numeric g̃: Double, analytic g: Double) {
            difference += (g̃ - g) * (g̃ - g)
            numeric += g̃ * g̃
            analytic += g * g
        }

        mutating func merge(_ other: ErrorSums) {
            difference += other.difference
            numeric += other.numeric
            analytic += other.analytic
        }

        var relativeError: Double {
            let denominator = numeric.squareRoot() + analytic.squareRoot()
            return denominator == 0 ? 0 : difference.squareRoot() / denominator
        }
    }
}
