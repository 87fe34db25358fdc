/// Additive Gaussian input noise (see the Regularization article): in training every feature gets an independent
/// draw from N(0, σ²), `A = X + N`; backward passes the gradient through unchanged
/// (`∂A/∂X = I`). Inference (or ``isNoiseEnabled`` off): the identity. Shapes:
/// `m × width` in and out.
///
/// ```swift
/// let noise = GaussianNoise<Float>(width: 2, standardDeviation: 0.1, seed: 3)
/// print(noise)  // GaussianNoise(2, σ 0.1)
/// ```
public final class GaussianNoise<Scalar: NetworkScalar>: Layer, StochasticLayer {
    public let inputCount: Int
    public var outputCount: Int { inputCount }
    public var parameters: [Parameter<Scalar>] { [] }
    /// σ of the added noise (σ ≥ 0).
    public let standardDeviation: Double
    /// When `false` the layer is the identity even in training (gradient checking).
    public var isNoiseEnabled = true

    /// The generator drawing the noise.
    public private(set) var random: RandomGenerator

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
        var stream = random
        for i in 0..<input.count {
            result[i] = x[i] + Scalar(stream.normal(standardDeviation: standardDeviation))
        }
        random = stream
        return a
    }

    public func backward(_ outputGradient: Matrix<Scalar>, needsInputGradient: Bool) -> Matrix<Scalar>? {
        needsInputGradient ? outputGradient : nil
    }
}
