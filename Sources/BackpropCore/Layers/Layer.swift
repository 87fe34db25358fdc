/// Whether a forward pass is part of training or of inference.
///
/// Dropout and batch normalisation behave differently in the two modes; every other layer
/// ignores the mode.
public enum Mode: Sendable, Hashable {
    /// Training: dropout draws masks, batch norm uses batch statistics and updates its
    /// running averages.
    case training
    /// Inference: dropout is the identity, batch norm uses its running averages.
    case inference
}

/// A trainable tensor: its value, the gradient of the cost with respect to it, and
/// whether weight penalties (L1/L2, max-norm) apply to it.
///
/// Optimisers and regularisers see only parameters. Buffers that are not trained, such
/// as batch-norm running statistics, are not parameters.
public final class Parameter<Scalar: NetworkScalar>: @unchecked Sendable {
    /// The name within its layer, following PyTorch (`"weight"`, `"bias"`).
    public let name: String
    /// The current value.
    public let value: Matrix<Scalar>
    /// `∂J/∂value` from the latest backward pass, same shape as ``value``.
    public let gradient: Matrix<Scalar>
    /// `true` for weights; `false` for biases, PReLU slopes and batch-norm scale/shift,
    /// which are never regularised.
    public let isRegularized: Bool

    /// A parameter of shape `rows × columns` holding `value`, with a zero gradient.
    public init(name: String, value: Matrix<Scalar>, isRegularized: Bool) {
        self.name = name
        self.value = value
        self.gradient = Matrix(rows: value.rows, columns: value.columns)
        self.isRegularized = isRegularized
    }
}

/// One stage of a network: maps an `m × inputCount` batch to an `m × outputCount` batch
/// and back-propagates gradients.
///
/// Conventions shared by every layer:
/// - `forward` returns a buffer the layer owns; it stays valid until the next `forward`.
///   The layer keeps what `backward` needs (typically its input and output).
/// - `backward` receives `∂J/∂output` of the *batch-mean* cost `J`, **overwrites** the
///   gradients of the layer's parameters (`dW = dZᵀ·A_prev`, `db = Σ_rows dZ`; the `1/m`
///   is already inside `∂J/∂output`) and returns `∂J/∂input`, or `nil` when
///   `needsInputGradient` is `false` (the first layer can skip that product).
/// - A layer prints the way it is constructed, e.g. `Dense(784 → 30, relu)`.
public protocol Layer<Scalar>: AnyObject, CustomStringConvertible {
    associatedtype Scalar: NetworkScalar

    /// Features per input row.
    var inputCount: Int { get }
    /// Features per output row.
    var outputCount: Int { get }
    /// The trainable tensors, in a fixed order.
    var parameters: [Parameter<Scalar>] { get }

    /// State that is saved with the model but never trained, such as batch normalisation's
    /// `running_mean` and `running_var`. Empty for most layers.
    var buffers: [(name: String, value: Matrix<Scalar>)] { get }

    /// What the layer is — kind, settings, sizes, parameter and buffer shapes — as a value
    /// that model files, summaries and exporters read.
    var layerDescription: LayerDescription { get }

    /// Whether ``finiteInputWitness`` is kept (`false` by default).
    var keepsFiniteInputWitness: Bool { get }

    /// After a forward pass, a matrix whose row `i` holds a NaN or infinity whenever row `i`
    /// of the input does — a dense layer's pre-activation `Z = X·Wᵀ + b` with finite weights
    /// (`∞·0` and `∞ − ∞` are NaN) — so that a network can scan it instead of a wider
    /// input; `nil` for layers that keep none.
    var finiteInputWitness: Matrix<Scalar>? { get }

    /// Computes the layer's output for `input` (`m × inputCount`).
    func forward(_ input: Matrix<Scalar>, mode: Mode) throws -> Matrix<Scalar>

    /// Back-propagates `outputGradient` (`m × outputCount`) through the latest forward pass.
    func backward(_ outputGradient: Matrix<Scalar>, needsInputGradient: Bool) -> Matrix<Scalar>?
}

extension Layer {
    public var buffers: [(name: String, value: Matrix<Scalar>)] { [] }

    public var keepsFiniteInputWitness: Bool { false }

    public var finiteInputWitness: Matrix<Scalar>? { nil }

    /// The number of trainable scalars.
    public var parameterCount: Int {
        parameters.reduce(0) { $0 + $1.value.count }
    }

    /// Throws unless `input` is a non-empty batch of `inputCount` features.
    public func validate(_ input: Matrix<Scalar>) throws {
        guard input.columns == inputCount else {
            throw NetworkError.shapeMismatch(layer: description, expected: "m×\(inputCount)", actual: "\(input.rows)×\(input.columns)")
        }
        guard input.rows > 0 else { throw NetworkError.emptyBatch(layer: description) }
    }
}
