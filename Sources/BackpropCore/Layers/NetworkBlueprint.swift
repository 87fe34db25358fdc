/// Where batch normalisation sits in a hidden layer (see the BatchNormalization article).
public enum BatchNormPlacement: String, Sendable, Hashable, Codable, CaseIterable {
    /// `Dense(no bias, identity) → BatchNorm → activation` (the default).
    case beforeActivation = "before"
    /// `Dense(activation) → BatchNorm`.
    case afterActivation = "after"
}

/// A description of a multi-layer perceptron with its per-layer regularisation, from which
/// ``build(seed:as:)`` makes a ``Sequential``.
///
/// Each hidden layer `i` becomes, in order: the affine map with its activation, batch
/// normalisation when ``batchNormalization`` is set (before or after the activation), and
/// dropout when `dropProbabilities[i] > 0`. The output layer is a plain affine map (logits),
/// never dropped out or normalised. Optional input noise and input dropout come first.
///
/// Weights are zero after building; an initialiser fills them.
///
/// ```swift
/// var blueprint = NetworkBlueprint(sizes: [2, 16, 16, 2], hiddenActivation: .function(.relu))
/// blueprint.dropProbabilities = [0.2, 0.2]
/// blueprint.batchNormalization = .beforeActivation
/// let network: Sequential<Float> = try blueprint.build(seed: 1)
/// // Dense(2 → 16, identity, no bias), BatchNorm(16), relu(16), Dropout(16, drop 0.2), …
/// ```
public struct NetworkBlueprint: Sendable, Hashable, Codable {
    /// `[n0, n1, …, nL]`: input features, hidden widths, outputs.
    public var sizes: [Int]
    /// The activation of every hidden layer.
    public var hiddenActivation: HiddenActivation
    /// Drop probability after each hidden layer: empty for none, one value for all hidden
    /// layers, or one value per hidden layer. Each in `[0, 1)`.
    public var dropProbabilities: [Double]
    /// Drop probability on the input features (keep it small: 0 – 0.2).
    public var inputDropProbability: Double
    /// σ of additive Gaussian noise on the input features (0 for none).
    public var inputNoise: Double
    /// Batch normalisation in every hidden layer, or `nil` for none.
    public var batchNormalization: BatchNormPlacement?
    /// The running-average momentum k of the batch-norm layers.
    public var batchNormMomentum: Double
    /// Where dropout scales by the keep probability; `nil` for ``DropoutStyle/inverted``.
    public var dropoutStyle: DropoutStyle?
    /// The ε of the batch-norm layers' `√(σ² + ε)`; `nil` for 1e-5.
    public var batchNormEpsilon: Double?

    /// A blueprint with no dropout, noise or batch normalisation unless given.
    public init(sizes: [Int], hiddenActivation: HiddenActivation = .function(.relu), dropProbabilities: [Double] = [],
                inputDropProbability: Double = 0, inputNoise: Double = 0,
                batchNormalization: BatchNormPlacement? = nil, batchNormMomentum: Double = 0.9) {
        self.sizes = sizes
        self.hiddenActivation = hiddenActivation
        self.dropProbabilities = dropProbabilities
        self.inputDropProbability = inputDropProbability
        self.inputNoise = inputNoise
        self.batchNormalization = batchNormalization
        self.batchNormMomentum = batchNormMomentum
    }

    /// The number of hidden layers, `sizes.count − 2`.
    public var hiddenLayerCount: Int { max(sizes.count - 2, 0) }

    /// Throws unless the sizes, probabilities and momentum make sense.
    public func validate() throws {
        guard sizes.count >= 2 else {
            throw NetworkError.invalidValue(setting: "A network", value: "\(sizes)", requirement: "needs at least an input and an output size")
        }
        if let bad = sizes.firstIndex(where: { $0 < 1 }) {
            throw NetworkError.invalidSize(what: "The layer size at position \(bad) of \(sizes)", value: sizes[bad], requirement: "must be at least 1")
        }
        if let bad = sizes.firstIndex(where: { $0 > ResourceLimits.maximumLayerWidth }) {
            throw NetworkError.invalidSize(what: "The layer size at position \(bad) of \(sizes)", value: sizes[bad],
                                           requirement: "must be at most \(ResourceLimits.maximumLayerWidth)")
        }
        // The weights, their gradients and up to two optimiser moments, in checked arithmetic:
        // sizes such as 100000,100000,… would otherwise allocate until the process is killed.
        var parameters = 0
        for index in 0..<(sizes.count - 1) {
            let (weights, overflow) = sizes[index].multipliedReportingOverflow(by: sizes[index + 1] + 1)
            let (total, overflowTotal) = parameters.addingReportingOverflow(weights)
            guard !overflow, !overflowTotal else { parameters = Int.max; break }
            parameters = total
        }
        do {
            try ResourceLimits.bytes(for: [parameters, 4], elementSize: 8, what: "The network \(sizes) (\(parameters) parameters, with gradients and optimiser state)")
        } catch let error as ResourceLimitError {
            throw NetworkError.invalidValue(setting: "The layer sizes", value: "\(sizes)", requirement: "must fit in memory: \(error.message)")
        }
        guard dropProbabilities.count <= 1 || dropProbabilities.count == hiddenLayerCount else {
            throw NetworkError.incompatible(
                "\(dropProbabilities.count) drop probabilities",
                "\(hiddenLayerCount) hidden layers (give one for all or one per hidden layer)", relation: "given for")
        }
        for (index, drop) in (dropProbabilities + [inputDropProbability]).enumerated() where !(drop >= 0 && drop < 1) {
            let place = index == dropProbabilities.count ? "the input" : "hidden layer \(index + 1)"
            throw NetworkError.invalidValue(setting: "The drop probability of \(place)", value: "\(drop)", requirement: "must lie in [0, 1)")
        }
        guard inputNoise >= 0 && inputNoise.isFinite else {
            throw NetworkError.invalidValue(setting: "The input noise σ", value: "\(inputNoise)", requirement: "must be finite and non-negative")
        }
        if let batchNormEpsilon, !(batchNormEpsilon > 0 && batchNormEpsilon.isFinite) {
            throw NetworkError.invalidValue(setting: "The batch-norm epsilon", value: "\(batchNormEpsilon)", requirement: "must be positive")
        }
        guard batchNormMomentum >= 0 && batchNormMomentum < 1 else {
            throw NetworkError.invalidValue(setting: "The batch-norm momentum", value: "\(batchNormMomentum)", requirement: "must lie in [0, 1)")
        }
    }

    /// The drop probability after hidden layer `index` (from 0).
    public func dropProbability(hiddenLayer index: Int) -> Double {
        switch dropProbabilities.count {
        case 0: 0
        case 1: dropProbabilities[0]
        default: dropProbabilities[index]
        }
    }

    /// Builds the network; noise layers get generators split, in layer order, from one
    /// seeded with `seed`.
    ///
    /// - Throws: ``NetworkError`` when ``validate()`` fails.
    public func build<Scalar: NetworkScalar>(seed: UInt64 = 0, as _: Scalar.Type = Scalar.self) throws -> Sequential<Scalar> {
        try validate()
        var random = RandomGenerator(seed: seed)
        var layers: [any Layer<Scalar>] = []
        if inputNoise > 0 {
            layers.append(GaussianNoise(width: sizes[0], standardDeviation: inputNoise, random: random.split()))
        }
        if inputDropProbability > 0 {
            layers.append(Dropout(width: sizes[0], dropProbability: inputDropProbability, random: random.split(), style: dropoutStyle ?? .inverted))
        }
        for index in 0..<hiddenLayerCount {
            let (inputs, outputs) = (sizes[index], sizes[index + 1])
            layers += hiddenLayer(inputs: inputs, outputs: outputs)
            let drop = dropProbability(hiddenLayer: index)
            if drop > 0 {
                layers.append(Dropout(width: outputs, dropProbability: drop, random: random.split(), style: dropoutStyle ?? .inverted))
            }
        }
        layers.append(Dense(inputCount: sizes[sizes.count - 2], outputCount: sizes[sizes.count - 1]))
        return try Sequential(layers)
    }

    private func hiddenLayer<Scalar: NetworkScalar>(inputs: Int, outputs: Int) -> [any Layer<Scalar>] {
        let norm: () -> BatchNormalization<Scalar> = { BatchNormalization(width: outputs, epsilon: batchNormEpsilon ?? 1e-5, momentum: batchNormMomentum) }
        switch (hiddenActivation, batchNormalization) {
        case let (.function(activation), nil):
            return [Dense(inputCount: inputs, outputCount: outputs, activation: activation)]
        case let (.function(activation), .beforeActivation?):
            return [Dense(inputCount: inputs, outputCount: outputs, hasBias: false), norm(), ActivationLayer(activation, width: outputs)]
        case let (.function(activation), .afterActivation?):
            return [Dense(inputCount: inputs, outputCount: outputs, activation: activation), norm()]
        case let (.prelu(alpha), nil):
            return [Dense(inputCount: inputs, outputCount: outputs), PReLU(unitCount: outputs, initialAlpha: Scalar(alpha))]
        case let (.prelu(alpha), .beforeActivation?):
            return [Dense(inputCount: inputs, outputCount: outputs, hasBias: false), norm(), PReLU(unitCount: outputs, initialAlpha: Scalar(alpha))]
        case let (.prelu(alpha), .afterActivation?):
            return [Dense(inputCount: inputs, outputCount: outputs), PReLU(unitCount: outputs, initialAlpha: Scalar(alpha)), norm()]
        case let (.maxout(pieces), nil):
            return [Maxout(inputCount: inputs, outputCount: outputs, pieces: pieces)]
        case let (.maxout(pieces), _?):
            // A maxout unit takes the maximum of its own affine pieces: normalisation can
            // only follow it.
            return [Maxout(inputCount: inputs, outputCount: outputs, pieces: pieces), norm()]
        }
    }
}
