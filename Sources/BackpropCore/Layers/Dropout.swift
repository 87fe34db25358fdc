/// Inverted dropout (Srivastava et al. 2014; see the Regularization article): in training each feature is kept
/// with probability `p = 1 − drop` and scaled by `1/p`, so the expected activation is
/// unchanged and inference needs no rescaling.
///
/// Training: `D = (U < p)` with `U ~ Uniform[0, 1)` drawn afresh for every batch,
/// `A ← A ⊙ D / p`; backward `dA ← dA ⊙ D / p`. Inference (or ``isNoiseEnabled`` off, as
/// during gradient checking): the identity. Shapes: `m × width` in and out.
///
/// Each `U` is a hash of one draw per batch from the layer's generator and of the element's
/// place — example `i` of the batch, feature `j` — so the mask is drawn in vectors and on
/// both cores, and one process or several sharing a batch (``firstExampleIndex``) draw the
/// same masks.
///
/// With ``DropoutStyle/vanilla`` (the original form, for comparison) the kept features are not
/// scaled in training, `A ← A ⊙ D`, and inference multiplies by `p` instead.
///
/// With ``DropoutStyle/alpha`` (alpha dropout, Klambauer et al. 2017, for SELU networks) a
/// dropped feature is set to SELU's saturation value `α' = −λα` rather than 0, and the result
/// goes through the affine map that restores mean 0 and variance 1:
/// `A ← a·(X ⊙ D + α'·(1 − D)) + b` with `a = (p + α'²·p·(1 − p))^(−1/2)` and
/// `b = −a·(1 − p)·α'`; backward `dA ← a·D ⊙ dA`; inference is the identity.
///
/// The layer owns its ``RandomGenerator``; its ``randomState`` can be saved in a checkpoint
/// and restored so the masks continue exactly.
///
/// ```swift
/// let dropout = Dropout<Float>(width: 30, dropProbability: 0.5, seed: 7)
/// print(dropout)  // Dropout(30, drop 0.5)
/// ```
public final class Dropout<Scalar: NetworkScalar>: Layer, StochasticLayer, EngineConfigurable {
    public let inputCount: Int
    public var outputCount: Int { inputCount }
    public var parameters: [Parameter<Scalar>] { [] }
    /// The probability that a feature is zeroed in training, in `[0, 1)`.
    public let dropProbability: Double
    /// `p = 1 − dropProbability`, the probability that a feature is kept.
    public var keepProbability: Double { 1 - dropProbability }
    /// Where the scaling by the keep probability happens: in training (inverted, the
    /// default) or at test time (vanilla).
    public let style: DropoutStyle
    /// When `false` the layer is the identity even in training (gradient checking).
    public var isNoiseEnabled = true

    /// Which example of the whole batch the first row of the next training batch is: the mask
    /// of example `i`, feature `j` is a hash of one draw per batch from ``random`` and of `(i,
    /// j)`, the same whichever process holds the row. Data-parallel training sets it for
    /// each process's slice; `nil` (one process) counts as 0.
    public var firstExampleIndex: Int?

    /// The kernel threads of the mask's draw: ``ComputeEngine/default`` until a
    /// ``Sequential`` holding the layer sets its own.
    public var engine = ComputeEngine.default

    /// The generator drawing the masks.
    public private(set) var random: RandomGenerator

    private var mask: Matrix<Scalar>?
    private var output: Matrix<Scalar>?
    private var inputGradient: Matrix<Scalar>?
    private var maskWasApplied = false

    /// Dropout on rows of `width` features, zeroing each with probability `dropProbability`
    /// (`0 ≤ drop < 1`), masks drawn from `random`.
    public init(width: Int, dropProbability: Double, random: RandomGenerator, style: DropoutStyle = .inverted) {
        precondition(width > 0, "Dropout needs a positive width, got \(width)")
        precondition(dropProbability >= 0 && dropProbability < 1,
                     "A drop probability must lie in [0, 1), got \(dropProbability)")
        inputCount = width
        self.dropProbability = dropProbability
        self.random = random
        self.style = style
    }

    /// Dropout with a generator seeded from `seed`.
    public convenience init(width: Int, dropProbability: Double, seed: UInt64) {
        self.init(width: width, dropProbability: dropProbability, random: RandomGenerator(seed: seed))
    }

    /// The generator's state words, for checkpoints; assigning resumes that stream.
    public var randomState: [UInt64] {
        get { random.state }
        set { random = RandomGenerator(state: newValue) }
    }

    /// The scaled mask `D / p` of the latest training batch (`m × width`), or `nil` when
    /// the latest forward pass applied none.
    public var latestMask: Matrix<Scalar>? { maskWasApplied ? mask : nil }

    public var description: String { "Dropout(\(inputCount), drop \(dropProbability)\(style == .inverted ? "" : ", \(style.rawValue)"))" }
    public var layerDescription: LayerDescription { describe(as: .dropout(probability: dropProbability, style: style)) }

    // MARK: - Passes

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: Matrix<Scalar>, mode: Mode) throws -> Matrix<Scalar> {
        try validate(input)
        maskWasApplied = mode == .training && isNoiseEnabled && dropProbability > 0
        if style == .vanilla && mode == .inference && dropProbability > 0 {
            let a = Matrix.reuse(output, rows: input.rows, columns: inputCount)
            output = a
            let keep = Scalar(keepProbability), x = input.base, result = a.base
            for i in 0..<input.count { result[i] = x[i] * keep }
            return a
        }
        guard maskWasApplied else { return input }
        let rows = input.rows
        let d = Matrix.reuse(mask, rows: rows, columns: inputCount)
        let a = Matrix.reuse(output, rows: rows, columns: inputCount)
        mask = d
        output = a
        let keep = keepProbability
        let maskValues = d.base, x = input.base, result = a.base
        let affine = style == .alpha ? DropoutStyle.alphaAffine(keepProbability: keep) : nil
        let scale = Scalar(affine?.scale ?? (style == .vanilla ? 1 : 1 / keep))
        let key = random.next(), first = (firstExampleIndex ?? 0) * inputCount
        if Scalar.self == Float.self, affine == nil {
            FloatKernels.dropout(FloatKernels.floats(x), mask: FloatKernels.floats(maskValues), output: FloatKernels.floats(result),
                                 count: input.count, keep: keep, scale: Float(scale), key: key, first: first, engine: engine)
            return a
        }
        let shift = Scalar(affine?.shift ?? 0), dropped = Scalar(affine?.dropped ?? 0)
        @inline(__always) func write(_ i: Int, kept: Bool) {
            if affine == nil {
                let factor: Scalar = kept ? scale : 0
                maskValues[i] = factor
                result[i] = x[i] * factor
            } else {
                maskValues[i] = kept ? scale : 0
                result[i] = kept ? x[i] * scale + shift : dropped
            }
        }
        let threshold = RandomGenerator.bernoulliThreshold(keep)
        for i in 0..<input.count { write(i, kept: RandomGenerator.keyedDraw53(key: key, index: first + i) < threshold) }
        return a
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ outputGradient: Matrix<Scalar>, needsInputGradient: Bool) -> Matrix<Scalar>? {
        guard needsInputGradient else { return nil }
        guard maskWasApplied, let mask else { return outputGradient }
        precondition(outputGradient.rows == mask.rows && outputGradient.columns == inputCount,
                     "\(self): output gradient is \(outputGradient.rows)×\(outputGradient.columns), expected \(mask.rows)×\(inputCount)")
        let dX = Matrix.reuse(inputGradient, rows: mask.rows, columns: inputCount)
        inputGradient = dX
        let d = mask.base, g = outputGradient.base, result = dX.base
        if Scalar.self == Float.self {
            FloatKernels.multiply(FloatKernels.floats(g), FloatKernels.floats(d), into: FloatKernels.floats(result), count: dX.count)
            return dX
        }
        for i in 0..<dX.count { result[i] = g[i] * d[i] }
        return dX
    }
}

extension Dropout: DataParallelLayer {
    /// Sets ``firstExampleIndex``, so masks are drawn per example of the whole batch.
    public func beginSlice(at firstExampleIndex: Int) {
        self.firstExampleIndex = firstExampleIndex
    }
}

/// Where dropout's scaling by the keep probability `p` happens (`--dropout-style`).
public enum DropoutStyle: String, Sendable, Hashable, Codable, CaseIterable {
    /// Kept features are divided by `p` in training; inference is the identity (the default).
    case inverted
    /// Kept features are left as they are in training; inference multiplies by `p`.
    case vanilla
    /// Alpha dropout for SELU networks: dropped features take SELU's saturation value and an
    /// affine map keeps mean 0 and variance 1 in training; inference is the identity.
    case alpha

    /// Alpha dropout's map for keep probability `p`: kept features become `scale·x + shift`,
    /// dropped ones `dropped = scale·α' + shift`, where `α' = −λα` (SELU's limit at −∞),
    /// `scale = (p + α'²·p·(1 − p))^(−1/2)` and `shift = −scale·(1 − p)·α'`. For inputs of
    /// mean 0 and variance 1 the outputs keep mean 0 and variance 1.
    public static func alphaAffine(keepProbability p: Double) -> (scale: Double, shift: Double, dropped: Double) {
        let saturation = -Activation.seluScale * Activation.seluAlpha
        let scale = 1 / (p + saturation * saturation * p * (1 - p)).squareRoot()
        let shift = -scale * (1 - p) * saturation
        return (scale, shift, scale * saturation + shift)
    }
}
