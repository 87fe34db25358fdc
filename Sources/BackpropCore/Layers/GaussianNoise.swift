/// Additive Gaussian input noise (see the Regularization article): in training every feature gets an independent
/// draw from N(0, σ²), `A = X + N`; backward passes the gradient through unchanged
/// (`∂A/∂X = I`). Inference (or ``isNoiseEnabled`` off): the identity. Shapes:
/// `m × width` in and out.
///
/// Each draw is a Box–Muller normal from a hash of one draw per batch from the layer's
/// generator and of the element's place — example `i` of the batch, feature `j` — so the
/// noise is drawn on both cores, both outputs of every Box–Muller pair are used, and one
/// process or several sharing a batch (``firstExampleIndex``) draw the same noise.
///
/// ```swift
/// let noise = GaussianNoise<Float>(width: 2, standardDeviation: 0.1, seed: 3)
/// print(noise)  // GaussianNoise(2, σ 0.1)
/// ```
public final class GaussianNoise<Scalar: NetworkScalar>: Layer, StochasticLayer, EngineConfigurable {
    public let inputCount: Int
    public var outputCount: Int { inputCount }
    public var parameters: [Parameter<Scalar>] { [] }
    /// σ of the added noise (σ ≥ 0).
    public let standardDeviation: Double
    /// When `false` the layer is the identity even in training (gradient checking).
    public var isNoiseEnabled = true

    /// The generator drawing the noise.
    public private(set) var random: RandomGenerator
    /// Which example of the whole batch the first row of the next training batch is (the
    /// noise of example `i`, feature `j` depends on one draw per batch and on `(i, j)`).
    /// Data-parallel training sets it for each process's slice; `nil` (one process) counts as 0.
    public var firstExampleIndex: Int?
    /// The kernel threads of the draw: ``ComputeEngine/default`` until a ``Sequential``
    /// holding the layer sets its own.
    public var engine = ComputeEngine.default

    private var output: Matrix<Scalar>?

    /// Noise of standard deviation `standardDeviation` on rows of `width` features.
    public init(width: Int, standardDeviation: Double, random: RandomGenerator) {
        precondition(width > 0, "GaussianNoise needs a positive width, got \(width)")
        precondition(standardDeviation >= 0 && standardDeviation.isFinite,
                     "The noise standard deviation must be finite and non-negative, got \(standardDeviation)")
        inputCount = width
        self.standardDeviation = standardDeviation
        self.random = random
    }

    /// Noise with a generator seeded from `seed`.
    public convenience init(width: Int, standardDeviation: Double, seed: UInt64) {
        self.init(width: width, standardDeviation: standardDeviation, random: RandomGenerator(seed: seed))
    }

    /// The generator's state words, for checkpoints; assigning resumes that stream.
    public var randomState: [UInt64] {
        get { random.state }
        set { random = RandomGenerator(state: newValue) }
    }

    public var description: String { "GaussianNoise(\(inputCount), σ \(standardDeviation))" }
    public var layerDescription: LayerDescription { describe(as: .gaussianNoise(standardDeviation: standardDeviation)) }

    // MARK: - Passes

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: Matrix<Scalar>, mode: Mode) throws -> Matrix<Scalar> {
        try validate(input)
        guard mode == .training, isNoiseEnabled, standardDeviation > 0 else { return input }
        let a = Matrix.reuse(output, rows: input.rows, columns: inputCount)
        output = a
        let x = input.base, result = a.base
        let key = random.next(), first = (firstExampleIndex ?? 0) * inputCount
        if Scalar.self == Float.self {
            FloatKernels.gaussianNoise(FloatKernels.floats(x), output: FloatKernels.floats(result), count: input.count,
                                       standardDeviation: standardDeviation, key: key, first: first, engine: engine)
            return a
        }
        for i in 0..<input.count {
            result[i] = x[i] + Scalar(standardDeviation * RandomGenerator.keyedNormal(key: key, index: first + i))
        }
        return a
    }

    public func backward(_ outputGradient: Matrix<Scalar>, needsInputGradient: Bool) -> Matrix<Scalar>? {
        needsInputGradient ? outputGradient : nil
    }
}

extension GaussianNoise: DataParallelLayer {
    /// Sets ``firstExampleIndex``, so the noise is drawn per example of the whole batch.
    public func beginSlice(at firstExampleIndex: Int) {
        self.firstExampleIndex = firstExampleIndex
    }
}
