/// What a layer is, as a plain value: its kind with the settings of that kind, its sizes,
/// and the names and shapes of its parameters and buffers.
///
/// Model files, the network summary, the initialisers, the monitor and exporters read a
/// layer through this value instead of casting to concrete layer types, so a new layer
/// only has to describe itself.
///
/// ```swift
/// Dense<Float>(inputCount: 784, outputCount: 30, activation: .relu).layerDescription.kind
/// // .dense(activation: .relu, hasBias: true)
/// ```
public struct LayerDescription: Sendable, Hashable {
    /// The kind of a layer with what distinguishes layers of that kind.
    public enum Kind: Sendable, Hashable {
        /// `A = g(X·Wᵀ + b)`: a fully-connected map, with its fused activation `g`
        /// (identity when none) and whether it has a bias.
        case dense(activation: Activation, hasBias: Bool)
        /// A parameter-free activation applied element-wise (softmax: per row).
        case activation(Activation)
        /// `max(0, z) + a·min(0, z)` with one learned slope `a` per unit.
        case prelu
        /// The maximum over `pieces` affine maps per output unit.
        case maxout(pieces: Int)
        /// Batch normalisation with ε and the running-average momentum.
        case batchNormalization(epsilon: Double, momentum: Double)
        /// Dropout with drop probability `p`; `style` says where the keep-probability scaling
        /// happens (inverted: in training, so inference is the identity; vanilla: at inference).
        case dropout(probability: Double, style: DropoutStyle)
        /// Additive Gaussian noise of standard deviation σ (training only).
        case gaussianNoise(standardDeviation: Double)
        /// A layer defined outside Backprop, by name; model files and exporters refuse it.
        case custom(String)

        /// A short name: `dense`, `activation`, `prelu`, `maxout`, `batch-norm`, `dropout`,
        /// `gaussian-noise`.
        public var name: String {
            switch self {
            case .dense: "dense"
            case .activation: "activation"
            case .prelu: "prelu"
            case .maxout: "maxout"
            case .batchNormalization: "batch-norm"
            case .dropout: "dropout"
            case .gaussianNoise: "gaussian-noise"
            case let .custom(name): name
            }
        }
    }

    /// The name and shape (`rows × columns`) of a parameter or buffer.
    public struct Tensor: Sendable, Hashable {
        /// The name within the layer, following PyTorch: `weight`, `bias`, `running_mean`.
        public var name: String
        /// Rows of the matrix.
        public var rows: Int
        /// Columns of the matrix.
        public var columns: Int

        /// A tensor description.
        public init(name: String, rows: Int, columns: Int) {
            self.name = name
            self.rows = rows
            self.columns = columns
        }
    }

    /// The kind and its settings.
    public var kind: Kind
    /// Features per input row.
    public var inputCount: Int
    /// Features per output row.
    public var outputCount: Int
    /// The trainable tensors, in the layer's order.
    public var parameters: [Tensor]
    /// The saved, untrained tensors (batch normalisation's running statistics).
    public var buffers: [Tensor]

    /// A description of a layer of `kind`.
    public init(kind: Kind, inputCount: Int, outputCount: Int, parameters: [Tensor] = [], buffers: [Tensor] = []) {
        self.kind = kind
        self.inputCount = inputCount
        self.outputCount = outputCount
        self.parameters = parameters
        self.buffers = buffers
    }

    /// The nonlinearity the layer applies, or `nil` for layers that apply none (a dense
    /// layer without activation, dropout, noise, batch normalisation). Maxout and PReLU
    /// count as nonlinearities with no ``Activation`` value: see ``kind``.
    public var activation: Activation? {
        switch kind {
        case let .dense(activation, _) where activation != .identity: activation
        case let .activation(activation) where activation != .identity: activation
        default: nil
        }
    }

    /// `true` for layers that apply a nonlinearity (an activation, PReLU or maxout).
    public var isNonlinear: Bool {
        switch kind {
        case .prelu, .maxout: true
        default: activation != nil
        }
    }

    /// `true` for layers that change only in training mode and are the identity at
    /// inference (inverted and alpha dropout, Gaussian noise).
    public var isTrainingOnly: Bool {
        switch kind {
        case .dropout(_, .inverted), .dropout(_, .alpha), .gaussianNoise: true
        default: false
        }
    }

    /// The fewest rows a training batch must have: 2 for batch normalisation (the variance
    /// of one example is zero), 1 otherwise.
    public var minimumTrainingBatchSize: Int {
        if case .batchNormalization = kind { return 2 }
        return 1
    }
}

extension Layer {
    /// The shapes of ``parameters`` and ``buffers`` as description tensors.
    private var describedTensors: (parameters: [LayerDescription.Tensor], buffers: [LayerDescription.Tensor]) {
        (parameters.map { LayerDescription.Tensor(name: $0.name, rows: $0.value.rows, columns: $0.value.columns) },
         buffers.map { LayerDescription.Tensor(name: $0.name, rows: $0.value.rows, columns: $0.value.columns) })
    }

    /// A description of this layer as `kind`, with its sizes, parameters and buffers: what
    /// a ``Layer/layerDescription`` usually returns.
    public func describe(as kind: LayerDescription.Kind) -> LayerDescription {
        let tensors = describedTensors
        return LayerDescription(kind: kind, inputCount: inputCount, outputCount: outputCount,
                                parameters: tensors.parameters, buffers: tensors.buffers)
    }
}
