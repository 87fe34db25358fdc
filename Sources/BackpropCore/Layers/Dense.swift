/// A fully-connected layer with a fused activation: `Z = X·Wᵀ + b`, `A = g(Z)`.
///
/// Shapes: input `X` is `m × inputCount`; `weight` is `outputCount × inputCount` (one row
/// per unit, as PyTorch's `nn.Linear`); `bias` is `1 × outputCount`. Backward:
/// `dZ = dA ⊙ g'(Z)`, `dW = dZᵀ·X`, `db = Σ_rows dZ`, `dX = dZ·W`.
///
/// Weights start at zero; an initialiser fills them. A layer followed by batch
/// normalisation is built with `hasBias: false`, since β takes the bias's role.
///
/// ```swift
/// let layer = Dense<Float>(inputCount: 784, outputCount: 30, activation: .relu)
/// print(layer)  // Dense(784 → 30, relu)
/// ```
public final class Dense<Scalar: NetworkScalar>: Layer, EngineConfigurable {
    public let inputCount: Int
    public let outputCount: Int
    /// The activation applied after the affine map.
    public let activation: Activation
    /// `outputCount × inputCount`.
    public let weight: Parameter<Scalar>
    /// `1 × outputCount`, or `nil` when the layer has no bias.
    public let bias: Parameter<Scalar>?
    /// The kernel and threads of the layer's products and ReLU pass: ``ComputeEngine/default``
    /// until a ``Sequential`` holding the layer sets its own.
    public var engine = ComputeEngine.default

    private var input: Matrix<Scalar>?
    /// `Z = X·Wᵀ + b` of the latest forward pass.
    private(set) var preActivation: Matrix<Scalar>?
    private var output: Matrix<Scalar>?
    private var preActivationGradient: Matrix<Scalar>?
    private var inputGradient: Matrix<Scalar>?

    /// A layer of `outputCount` units reading `inputCount` features, weights and bias zero.
    public init(inputCount: Int, outputCount: Int, activation: Activation = .identity, hasBias: Bool = true) {
        precondition(inputCount > 0 && outputCount > 0, "Dense needs positive sizes, got \(inputCount) → \(outputCount)")
        self.inputCount = inputCount
        self.outputCount = outputCount
        self.activation = activation
        weight = Parameter(name: "weight", value: Matrix(rows: outputCount, columns: inputCount), isRegularized: true)
        bias = hasBias ? Parameter(name: "bias", value: Matrix(rows: 1, columns: outputCount), isRegularized: false) : nil
    }

    public var parameters: [Parameter<Scalar>] {
        bias.map { [weight, $0] } ?? [weight]
    }

    public var description: String {
        "Dense(\(inputCount) → \(outputCount), \(activation.displayName)\(bias == nil ? ", no bias" : ""))"
    }

    public var layerDescription: LayerDescription {
        describe(as: .dense(activation: activation, hasBias: bias != nil))
    }

    public var keepsFiniteInputWitness: Bool { true }

    /// The pre-activation `Z = X·Wᵀ + b` of the latest forward pass.
    public var finiteInputWitness: Matrix<Scalar>? { preActivation }

    // MARK: - Forward

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: Matrix<Scalar>, mode: Mode) throws -> Matrix<Scalar> {
        try validate(input)
        let rows = input.rows
        let z = Matrix.reuse(preActivation, rows: rows, columns: outputCount)
        preActivation = z
        self.input = input
        let engine = self.engine
        if Scalar.self == Float.self, activation == .relu || activation == .identity {
            let bias = self.bias.map { UnsafePointer(FloatKernels.floats($0.value.base)) }
            let rectified = activation == .relu
                ? Matrix.reuse(output === preActivation ? nil : output, rows: rows, columns: outputCount) : nil
            if FloatGEMMKernel.denseForward(
                rows: rows, inputCount: inputCount, outputCount: outputCount,
                input: FloatKernels.floats(input.base), weight: FloatKernels.floats(weight.value.base), bias: bias,
                preActivation: FloatKernels.floats(z.base), rectified: rectified.map { FloatKernels.floats($0.base) },
                engine: engine) {
                output = rectified ?? z
                return rectified ?? z
            }
            // Z = X·Wᵀ, then bias and activation in one pass over Z.
            GEMM.multiply(input, weight.value, into: z, transposeB: true, engine: engine)
            if activation == .identity {
                if let bias { FloatKernels.addBias(z: FloatKernels.floats(z.base), bias: bias, rows: rows, columns: outputCount) }
                output = z
                return z
            }
            guard let rectified else { preconditionFailure("ReLU layers always have an output buffer") }
            FloatKernels.addBiasReLU(z: FloatKernels.floats(z.base), a: FloatKernels.floats(rectified.base), bias: bias,
                                     rows: rows, columns: outputCount)
            output = rectified
            return rectified
        }
        if let bias {
            for row in 0..<rows { z.rowPointer(row).update(from: bias.value.base, count: outputCount) }
        }
        GEMM.multiply(input, weight.value, into: z, transposeB: true, beta: bias == nil ? 0 : 1, engine: engine)
        if activation == .identity {
            output = z
            return z
        }
        let a = Matrix.reuse(output === preActivation ? nil : output, rows: rows, columns: outputCount)
        activation.apply(z, into: a)
        output = a
        return a
    }

    // MARK: - Backward

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ outputGradient: Matrix<Scalar>, needsInputGradient: Bool) -> Matrix<Scalar>? {
        let dZ = preActivationGradient(backPropagating: outputGradient)
        computeWeightGradient(from: dZ)
        guard needsInputGradient else { return nil }
        let dX = Matrix.reuse(inputGradient, rows: dZ.rows, columns: inputCount)
        inputGradient = dX
        GEMM.multiply(dZ, weight.value, into: dX, engine: engine)
        return dX
    }

    /// The backward pass up to the weight gradient: returns `dZ = dA ⊙ g'(Z)` (`m ×
    /// outputCount`, a buffer of the layer or `outputGradient` itself for the identity) and
    /// writes the bias gradient `db = Σ_rows dZ`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func preActivationGradient(backPropagating outputGradient: Matrix<Scalar>) -> Matrix<Scalar> {
        guard let z = preActivation, let a = output else {
            preconditionFailure("\(self): backward called before forward")
        }
        precondition(outputGradient.rows == z.rows && outputGradient.columns == outputCount,
                     "\(self): output gradient is \(outputGradient.rows)×\(outputGradient.columns), expected \(z.rows)×\(outputCount)")
        if activation == .identity {
            if let bias { outputGradient.sumRows(into: bias.gradient) }
            return outputGradient
        }
        let dZ = Matrix.reuse(preActivationGradient, rows: z.rows, columns: outputCount)
        preActivationGradient = dZ
        if Scalar.self == Float.self, activation == .relu {
            // dZ = dA ⊙ [Z > 0] and db = Σ_rows dZ in one pass.
            FloatKernels.reluBackward(
                outputGradient: FloatKernels.floats(outputGradient.base), z: FloatKernels.floats(z.base),
                into: FloatKernels.floats(dZ.base), biasGradient: bias.map { FloatKernels.floats($0.gradient.base) },
                rows: z.rows, columns: outputCount, engine: engine)
        } else {
            activation.backward(outputGradient: outputGradient, z: z, a: a, into: dZ)
            if let bias { dZ.sumRows(into: bias.gradient) }
        }
        return dZ
    }

    /// The weight gradient `dW = dZᵀ·X` (`outputCount × inputCount`) from the latest forward
    /// pass's input, written into ``weight``'s gradient.
    func computeWeightGradient(from dZ: Matrix<Scalar>) {
        GEMM.multiply(dZ, latestInput, into: weight.gradient, transposeA: true, engine: engine)
    }

    /// Gradient descent on the weights folded into their gradient's product: `W ← 1·W +
    /// (−α)·dZᵀ·X`, one product that reads and writes `W` instead of writing `dW` for a
    /// separate update to read back. Each element rounds as `W − α·dW` does (`α·dW` rounded,
    /// then the difference) when the product sums over `m` in one pass. The weight gradient
    /// is left as it was.
    func descendWeights(along dZ: Matrix<Scalar>, learningRate: Scalar) {
        GEMM.multiply(dZ, latestInput, into: weight.value, transposeA: true, alpha: -learningRate, beta: 1, engine: engine)
    }

    /// `true` when every element of `dW = dZᵀ·X` is surely finite, without computing it:
    /// `|dW_ij| ≤ m·max|dZ|·max|X|`, and a bound at most half the largest finite value also
    /// leaves room for the rounding of the partial sums. `false` when `dZ` or `X` holds NaN or
    /// ±∞, or when the bound is too large (the product may still be finite).
    func weightGradientIsSurelyFinite(_ dZ: Matrix<Scalar>) -> Bool {
        let bound = Double(dZ.rows) * Double(dZ.largestMagnitude()) * Double(latestInput.largestMagnitude())
        return bound <= Double(Scalar.greatestFiniteMagnitude) / 2
    }

    private var latestInput: Matrix<Scalar> {
        guard let input else { preconditionFailure("\(self): backward called before forward") }
        return input
    }
}
