/// A network: layers applied one after another.
///
/// `forward` validates the batch once (shape, emptiness, NaN/Inf) and returns the last
/// layer's output — raw scores (logits) when the network ends in an identity layer, as
/// the losses expect. `backward` walks the layers in reverse and leaves every parameter's
/// gradient in place.
///
/// ```swift
/// let network = try Sequential<Float>.mlp([784, 30, 10], hiddenActivation: .relu)
/// let logits = try network.forward(batch, mode: .inference)
/// ```
public final class Sequential<Scalar: NetworkScalar>: CustomStringConvertible {
    /// The layers in order.
    public let layers: [any Layer<Scalar>]

    /// The first layer with parameters: `backward` stops there, since no layer before it
    /// has a gradient to receive (input dropout or noise needs no input gradient).
    private let firstTrainableIndex: Int

    /// The kernel and threads the network computes with. Setting it hands it to every layer
    /// that computes with one (``EngineConfigurable``), so a trainer can switch, for example
    /// to one thread while the other core is busy.
    public var engine: ComputeEngine {
        didSet { applyEngine() }
    }

    /// A network of `layers`, computing with `engine` (which replaces the engine each layer
    /// had); each layer's input width must match the previous output width.
    public init(_ layers: [any Layer<Scalar>], engine: ComputeEngine = .default) throws {
        guard !layers.isEmpty else { throw NetworkError.invalidSize(what: "A network", value: 0, requirement: "needs at least one layer") }
        for (index, pair) in zip(layers, layers.dropFirst()).enumerated() where pair.0.outputCount != pair.1.inputCount {
            throw NetworkError.incompatible(
                "layers.\(index) \(pair.0) produces \(pair.0.outputCount) features",
                "layers.\(index + 1) \(pair.1) expects \(pair.1.inputCount)", relation: "but")
        }
        self.layers = layers
        firstTrainableIndex = layers.firstIndex { $0.parameterCount > 0 } ?? layers.count
        self.engine = engine
        applyEngine()
    }

    private func applyEngine() {
        for case let layer as any EngineConfigurable in layers { layer.engine = engine }
    }

    /// Features per input row.
    public var inputCount: Int { layers[0].inputCount }
    /// Features per output row.
    public var outputCount: Int { layers[layers.count - 1].outputCount }

    /// Every trainable tensor with its PyTorch-style name (`layers.0.weight`).
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        layers.enumerated().flatMap { index, layer in
            layer.parameters.map { (name: "layers.\(index).\($0.name)", parameter: $0) }
        }
    }

    /// Every buffer (state saved with the model but not trained, such as batch norm's
    /// running statistics) with its PyTorch-style name (`layers.1.running_mean`).
    public var namedBuffers: [(name: String, value: Matrix<Scalar>)] {
        layers.enumerated().flatMap { index, layer in
            layer.buffers.map { (name: "layers.\(index).\($0.name)", value: $0.value) }
        }
    }

    /// Every trainable tensor, in layer order.
    public var parameters: [Parameter<Scalar>] {
        layers.flatMap { $0.parameters }
    }

    /// The number of trainable scalars.
    public var parameterCount: Int {
        layers.reduce(0) { $0 + $1.parameterCount }
    }

    // MARK: - Passes

    /// Runs `input` (`m × inputCount`) through every layer and returns the output
    /// (`m × outputCount`), owned by the last layer until the next call.
    ///
    /// - Throws: ``NetworkError`` for a wrong shape, an empty batch or a non-finite input.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: Matrix<Scalar>, mode: Mode) throws -> Matrix<Scalar> {
        try forward(input, mode: mode, checksFiniteInput: true)
    }

    /// ``forward(_:mode:)`` with the NaN/Inf scan of `input` optional: a training loop that
    /// checked its whole data set once (``Trainer`` does) passes `false` and saves one pass
    /// over every batch. Shapes are always checked.
    ///
    /// - Throws: ``NetworkError`` for a wrong shape, an empty batch, or (when
    ///   `checksFiniteInput`) a non-finite input.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: Matrix<Scalar>, mode: Mode, checksFiniteInput: Bool) throws -> Matrix<Scalar> {
        let first = layers[0]
        try first.validate(input)
        let scansWitness = checksFiniteInput && first.keepsFiniteInputWitness
        if checksFiniteInput && !scansWitness {
            try checkFinite(input)
        }
        var activation = try first.forward(input, mode: mode)
        if scansWitness, first.finiteInputWitness?.firstNonFinite() != nil {
            try checkFinite(input)
        }
        for layer in layers.dropFirst() {
            activation = try layer.forward(activation, mode: mode)
        }
        return activation
    }

    /// Throws ``NetworkError/nonFinite(place:row:column:)`` at the first NaN or infinity of
    /// `input`.
    ///
    /// Behind a first layer that keeps a ``Layer/finiteInputWitness`` (a dense layer's
    /// pre-activation `Z = X·Wᵀ + b`: fewer columns, still in cache, while `X` may have to
    /// come from memory) the scan runs on the witness first: a finite witness proves a
    /// finite `X`; `X` itself is scanned only when the witness is not finite, to name the
    /// place or clear it.
    private func checkFinite(_ input: Matrix<Scalar>) throws {
        if let (row, column) = input.firstNonFinite() {
            throw NetworkError.nonFinite(place: "The input batch", row: row, column: column)
        }
    }

    /// Back-propagates `outputGradient` (`∂J/∂output` of the batch-mean cost) through the
    /// latest forward pass, overwriting every parameter gradient. Neither the input gradient
    /// nor the gradient of any layer before the first one with parameters is computed.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ outputGradient: Matrix<Scalar>) {
        propagate(outputGradient, downTo: firstTrainableIndex, inputGradientThere: false)
    }

    /// ``backward(_:)`` continued through every layer to the input: overwrites every
    /// parameter gradient and returns `∂J/∂input` (`m × inputCount`), valid until the next
    /// backward pass (a layer's buffer, or `outputGradient` itself when no layer changes it).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func inputGradient(backPropagating outputGradient: Matrix<Scalar>) -> Matrix<Scalar> {
        propagate(outputGradient, downTo: 0, inputGradientThere: true)!
    }

    /// ``backward(_:)`` stopped short of one product, when the first layer with parameters
    /// is ``Dense``: every other parameter gradient is written, and that layer's bias
    /// gradient, and the layer is returned with its `dZ` (`m × outputCount`), from which its
    /// weight gradient — or an update folded into that product — is still to be computed.
    /// `nil`, with nothing computed, when the first layer with parameters is of another kind.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func backwardDeferringFirstWeightGradient(_ outputGradient: Matrix<Scalar>)
        -> (layer: Dense<Scalar>, preActivationGradient: Matrix<Scalar>)? {
        guard firstTrainableIndex < layers.count, let first = layers[firstTrainableIndex] as? Dense<Scalar> else { return nil }
        guard let gradient = propagate(outputGradient, downTo: firstTrainableIndex + 1, inputGradientThere: true) else {
            preconditionFailure("a layer after \(first) returned no input gradient")
        }
        return (first, first.preActivationGradient(backPropagating: gradient))
    }

    /// Walks the layers in reverse down to layer `last` (none when `last` is past the end,
    /// which returns `outputGradient`); returns the gradient at that layer's input when
    /// `inputGradientThere`, else `nil`.
    @discardableResult
    private func propagate(_ outputGradient: Matrix<Scalar>, downTo last: Int, inputGradientThere: Bool) -> Matrix<Scalar>? {
        var gradient = outputGradient
        for index in layers.indices.reversed() where index >= last {
            guard let next = layers[index].backward(gradient, needsInputGradient: inputGradientThere || index > last) else { return nil }
            gradient = next
        }
        return gradient
    }

    public var description: String {
        "Sequential(" + layers.map(\.description).joined(separator: ", ") + ")"
    }
}
