/// An activation function as a layer of its own, for placements a fused ``Dense`` cannot
/// express, such as `Dense → BatchNorm → activation`.
///
/// ```swift
/// let layer = ActivationLayer<Float>(.tanh, width: 30)
/// print(layer)  // tanh(30)
/// ```
public final class ActivationLayer<Scalar: NetworkScalar>: Layer {
    /// The function applied.
    public let activation: Activation
    public let inputCount: Int
    public var outputCount: Int { inputCount }
    public var parameters: [Parameter<Scalar>] { [] }

    private var input: Matrix<Scalar>?
    private var output: Matrix<Scalar>?
    private var inputGradient: Matrix<Scalar>?

    /// `activation` applied to rows of `width` features.
    public init(_ activation: Activation, width: Int) {
        precondition(width > 0, "An activation layer needs a positive width")
        self.activation = activation
        inputCount = width
    }

    public var description: String { "\(activation.displayName)(\(inputCount))" }
    public var layerDescription: LayerDescription { describe(as: .activation(activation)) }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: Matrix<Scalar>, mode: Mode) throws -> Matrix<Scalar> {
        try validate(input)
        let result = Matrix.reuse(output, rows: input.rows, columns: inputCount)
        output = result
        self.input = input
        activation.apply(input, into: result)
        return result
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ outputGradient: Matrix<Scalar>, needsInputGradient: Bool) -> Matrix<Scalar>? {
        guard needsInputGradient else { return nil }
        guard let input, let output else { preconditionFailure("\(self): backward called before forward") }
        let dZ = Matrix.reuse(inputGradient, rows: input.rows, columns: inputCount)
        inputGradient = dZ
        activation.backward(outputGradient: outputGradient, z: input, a: output, into: dZ)
        return dZ
    }
}
