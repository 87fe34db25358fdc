/// Batch normalisation for dense layers (Ioffe & Szegedy 2015; see the BatchNormalization article).
///
/// Training, per feature over the batch of `m` rows:
/// `μ = (1/m)Σx`, `σ² = (1/m)Σ(x−μ)²`, `x̂ = (x−μ)/√(σ²+ε)`, `y = γ·x̂ + β`; the running
/// averages become `run ← k·run + (1−k)·batch`, the variance with the unbiased factor
/// `m/(m−1)`. Inference: `y = γ·(x − run_mean)/√(run_var + ε) + β`.
///
/// Backward (training): `dβ = Σ dy`, `dγ = Σ dy·x̂`, `dx̂ = dy·γ`,
/// `dx = (1/m)·(σ²+ε)^(−½)·(m·dx̂ − Σdx̂ − x̂·Σ(dx̂·x̂))`, algebraically the step-by-step chain rule of the BatchNormalization article.
///
/// Parameters: `weight` (γ, `1 × width`, starts at 1) and `bias` (β, starts at 0), never
/// regularised. Buffers: `running_mean` (starts at 0) and `running_var` (starts at 1).
/// Defaults: ε = 1e-5, momentum k = 0.9. A training batch of one example is refused (its
/// variance is 0 and the unbiased factor divides by zero).
///
/// ```swift
/// let norm = BatchNormalization<Float>(width: 30)
/// print(norm)  // BatchNorm(30)
/// ```
public final class BatchNormalization<Scalar: NetworkScalar>: Layer {
    public let inputCount: Int
    public var outputCount: Int { inputCount }
    /// ε added to the variance.
    public let epsilon: Double
    /// k in `run ← k·run + (1−k)·batch`.
    public let momentum: Double
    /// γ, `1 × width`.
    public let weight: Parameter<Scalar>
    /// β, `1 × width`.
    public let bias: Parameter<Scalar>
    /// The running mean `E[x]`, `1 × width`.
    public let runningMean: Matrix<Scalar>
    /// The running (unbiased) variance `Var[x]`, `1 × width`.
    public let runningVariance: Matrix<Scalar>

    private var normalized: Matrix<Scalar>?
    private var output: Matrix<Scalar>?
    private var inputGradient: Matrix<Scalar>?
    private let inverseDeviation: Matrix<Scalar>
    private let batchMean: Matrix<Scalar>
    private var lastMode: Mode = .inference
    /// The processes sharing each training batch, or `nil` for one process. With a group the
    /// batch mean and variance (and, backward, `Σdβ` and `Σdγ` in `dx`) are summed over the
    /// group, so the statistics are those of the whole batch; without one nothing changes.
    public var group: (any DataParallelGroup)? {
        didSet { groupSums = [Double](repeating: 0, count: 2 * inputCount + 1) }
    }
    private var groupSums: [Double] = []
    private var groupRows = 0

    /// Batch normalisation of `width` features with ε = `epsilon` and running-average
    /// momentum `momentum` (0 ≤ k < 1).
    public init(width: Int, epsilon: Double = 1e-5, momentum: Double = 0.9) {
        precondition(width > 0, "BatchNormalization needs a positive width, got \(width)")
        precondition(epsilon > 0, "ε must be positive, got \(epsilon)")
        precondition(momentum >= 0 && momentum < 1, "The running-average momentum must lie in [0, 1), got \(momentum)")
        inputCount = width
        self.epsilon = epsilon
        self.momentum = momentum
        weight = Parameter(name: "weight", value: Matrix(rows: 1, columns: width, repeating: 1), isRegularized: false)
        bias = Parameter(name: "bias", value: Matrix(rows: 1, columns: width), isRegularized: false)
        runningMean = Matrix(rows: 1, columns: width)
        runningVariance = Matrix(rows: 1, columns: width, repeating: 1)
        inverseDeviation = Matrix(rows: 1, columns: width)
        batchMean = Matrix(rows: 1, columns: width)
    }

    public var parameters: [Parameter<Scalar>] { [weight, bias] }

    public var buffers: [(name: String, value: Matrix<Scalar>)] {
        [(name: "running_mean", value: runningMean), (name: "running_var", value: runningVariance)]
    }

    public var description: String {
        "BatchNorm(\(inputCount)" + (momentum != 0.9 ? ", momentum \(momentum)" : "") + (epsilon != 1e-5 ? ", ε \(epsilon)" : "") + ")"
    }

    public var layerDescription: LayerDescription {
        describe(as: .batchNormalization(epsilon: epsilon, momentum: momentum))
    }

    // MARK: - Forward

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: Matrix<Scalar>, mode: Mode) throws -> Matrix<Scalar> {
        try validate(input)
        let rows = input.rows, width = inputCount
        let y = Matrix.reuse(output, rows: rows, columns: width)
        output = y
        lastMode = mode
        let inverse = inverseDeviation.base, mean = batchMean.base
        let xHat = Matrix.reuse(normalized, rows: rows, columns: width)
        normalized = xHat
        if mode == .inference {
            for j in 0..<width {
                mean[j] = runningMean.base[j]
                inverse[j] = 1 / Scalar.sqrt(runningVariance.base[j] + Scalar(epsilon))
            }
            normalize(input, into: xHat, output: y)
            return y
        }
        if let group { return try forwardSharingStatistics(input, over: group, into: xHat, output: y) }
        guard rows > 1 else { throw singleExampleBatch() }
        input.sumRows(into: batchMean)
        let scale = 1 / Scalar(rows)
        for j in 0..<width { mean[j] *= scale }
        // Variance by a second pass over centred values (stable), collected in `inverse`.
        sumSquaredDeviations(of: input)
        updateStatistics(rows: rows, scale: scale)
        normalize(input, into: xHat, output: y)
        return y
    }

    private func singleExampleBatch() -> NetworkError {
        NetworkError.unusable(
            what: "\(self)", reason: "received a training batch of 1 example; batch statistics need at least 2 (choose a batch size that leaves no final batch of one)")
    }

    /// `Σ(x − mean)²` per feature into `inverseDeviation`.
    private func sumSquaredDeviations(of input: Matrix<Scalar>) {
        let inverse = inverseDeviation.base, mean = batchMean.base, width = inputCount
        for j in 0..<width { inverse[j] = 0 }
        for row in 0..<input.rows {
            let x = input.rowPointer(row)
            for j in 0..<width { let centred = x[j] - mean[j]; inverse[j] += centred * centred }
        }
    }

    /// The forward statistics of the whole batch shared by `group`: the sums of `x` and of
    /// `(x − μ)²` (and the row count) summed over the group.
    private func forwardSharingStatistics(_ input: Matrix<Scalar>, over group: any DataParallelGroup,
                                          into xHat: Matrix<Scalar>, output y: Matrix<Scalar>) throws -> Matrix<Scalar> {
        let width = inputCount, mean = batchMean.base, inverse = inverseDeviation.base
        if input.rows > 0 { input.sumRows(into: batchMean) } else { for j in 0..<width { mean[j] = 0 } }
        let rows = groupSums.withUnsafeMutableBufferPointer { sums in
            for j in 0..<width { sums[j] = Double(mean[j]) }
            sums[width] = Double(input.rows)
            group.allReduceSum(UnsafeMutableBufferPointer(rebasing: sums[0...width]))
            for j in 0..<width { mean[j] = Scalar(sums[j] / sums[width]) }
            return Int(sums[width])
        }
        guard rows > 1 else { throw singleExampleBatch() }
        groupRows = rows
        sumSquaredDeviations(of: input)
        groupSums.withUnsafeMutableBufferPointer { sums in
            for j in 0..<width { sums[j] = Double(inverse[j]) }
            group.allReduceSum(UnsafeMutableBufferPointer(rebasing: sums[0..<width]))
            for j in 0..<width { inverse[j] = Scalar(sums[j]) }
        }
        updateStatistics(rows: rows, scale: 1 / Scalar(rows))
        normalize(input, into: xHat, output: y)
        return y
    }

    /// The running averages from the batch mean and `Σ(x − μ)²` (in `inverseDeviation`),
    /// leaving `1/√(σ² + ε)` there.
    private func updateStatistics(rows: Int, scale: Scalar) {
        let width = inputCount, mean = batchMean.base, inverse = inverseDeviation.base
        let k = Scalar(momentum), unbiased = Scalar(rows) / Scalar(rows - 1)
        for j in 0..<width {
            let variance = inverse[j] * scale
            runningMean.base[j] = k * runningMean.base[j] + (1 - k) * mean[j]
            runningVariance.base[j] = k * runningVariance.base[j] + (1 - k) * variance * unbiased
            inverse[j] = 1 / Scalar.sqrt(variance + Scalar(epsilon))
        }
    }

    /// `x̂ = (x − mean)·inverse` and `y = γ·x̂ + β` with the statistics in place.
    private func normalize(_ input: Matrix<Scalar>, into xHat: Matrix<Scalar>, output y: Matrix<Scalar>) {
        let gamma = weight.value.base, beta = bias.value.base
        let inverse = inverseDeviation.base, mean = batchMean.base
        for row in 0..<input.rows {
            let x = input.rowPointer(row), normal = xHat.rowPointer(row), out = y.rowPointer(row)
            for j in 0..<inputCount {
                let value = (x[j] - mean[j]) * inverse[j]
                normal[j] = value
                out[j] = gamma[j] * value + beta[j]
            }
        }
    }

    // MARK: - Backward

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ outputGradient: Matrix<Scalar>, needsInputGradient: Bool) -> Matrix<Scalar>? {
        guard let y = output else { preconditionFailure("\(self): backward called before forward") }
        let rows = y.rows, width = inputCount
        precondition(outputGradient.rows == rows && outputGradient.columns == width,
                     "\(self): output gradient is \(outputGradient.rows)×\(outputGradient.columns), expected \(rows)×\(width)")
        guard let xHat = normalized else { preconditionFailure("\(self): backward called before forward") }
        let gamma = weight.value.base, inverse = inverseDeviation.base
        let dGamma = weight.gradient.base, dBeta = bias.gradient.base
        for j in 0..<width { dGamma[j] = 0; dBeta[j] = 0 }
        for row in 0..<rows {
            let dy = outputGradient.rowPointer(row), normal = xHat.rowPointer(row)
            for j in 0..<width {
                dBeta[j] += dy[j]
                dGamma[j] += dy[j] * normal[j]
            }
        }
        guard needsInputGradient else { return nil }
        let dX = Matrix.reuse(inputGradient, rows: rows, columns: width)
        inputGradient = dX
        if lastMode == .inference {
            // Constant statistics: dx = dy·γ/√(run_var + ε).
            for row in 0..<rows {
                let dy = outputGradient.rowPointer(row), dx = dX.rowPointer(row)
                for j in 0..<width { dx[j] = dy[j] * gamma[j] * inverse[j] }
            }
            return dX
        }
        // Σdx̂ = γ·dβ and Σ(dx̂·x̂) = γ·dγ, so no extra pass is needed.
        if let group {
            // The sums run over the whole batch; the gradients stay this slice's (the
            // training step sums them with the others).
            groupSums.withUnsafeMutableBufferPointer { sums in
                for j in 0..<width { sums[j] = Double(dBeta[j]); sums[width + j] = Double(dGamma[j]) }
                group.allReduceSum(UnsafeMutableBufferPointer(rebasing: sums[0..<(2 * width)]))
            }
            let m = Scalar(groupRows), scale = 1 / Scalar(groupRows)
            for row in 0..<rows {
                let dy = outputGradient.rowPointer(row), normal = xHat.rowPointer(row), dx = dX.rowPointer(row)
                for j in 0..<width {
                    let dNormal = dy[j] * gamma[j]
                    let sumBeta = Scalar(groupSums[j]), sumGamma = Scalar(groupSums[width + j])
                    dx[j] = scale * inverse[j] * (m * dNormal - gamma[j] * sumBeta - normal[j] * gamma[j] * sumGamma)
                }
            }
            return dX
        }
        let m = Scalar(rows), scale = 1 / Scalar(rows)
        for row in 0..<rows {
            let dy = outputGradient.rowPointer(row), normal = xHat.rowPointer(row), dx = dX.rowPointer(row)
            for j in 0..<width {
                let dNormal = dy[j] * gamma[j]
                dx[j] = scale * inverse[j] * (m * dNormal - gamma[j] * dBeta[j] - normal[j] * gamma[j] * dGamma[j])
            }
        }
        return dX
    }
}

extension BatchNormalization: DataParallelLayer {
    /// Sets ``group``: the batch statistics are summed over `group` from now on.
    public func join(_ group: (any DataParallelGroup)?) {
        self.group = group
    }
}
