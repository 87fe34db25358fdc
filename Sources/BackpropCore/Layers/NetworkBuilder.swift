/// The activation of a network's hidden layers, by the names used everywhere (flags,
/// configs, files): `identity, sigmoid, tanh, relu, leaky-relu, prelu, elu, maxout, softmax`.
public enum HiddenActivation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A parameter-free function fused into each ``Dense`` layer.
    case function(Activation)
    /// A ``PReLU`` layer after each hidden ``Dense`` (slopes start at `initialAlpha`).
    case prelu(initialAlpha: Double = 0.25)
    /// ``Maxout`` units with `pieces` linear pieces each, in place of the hidden ``Dense``.
    case maxout(pieces: Int = 2)

    /// Every name accepted by ``init(name:)``.
    public static let names = ["identity", "sigmoid", "tanh", "relu", "leaky-relu", "prelu", "elu", "maxout", "softmax"]

    /// The activation called `name`, with default parameters; `nil` for an unknown name.
    public init?(name: String) {
        switch name.lowercased() {
        case "identity", "linear": self = .function(.identity)
        case "sigmoid": self = .function(.sigmoid)
        case "tanh": self = .function(.tanh)
        case "relu": self = .function(.relu)
        case "leaky-relu", "leakyrelu", "leaky_relu": self = .function(.leakyReLU())
        case "prelu": self = .prelu()
        case "elu": self = .function(.elu())
        case "maxout": self = .maxout()
        case "softmax": self = .function(.softmax)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case let .function(activation): activation.displayName
        case .prelu: "prelu"
        case let .maxout(pieces): pieces == 2 ? "maxout" : "maxout(\(pieces))"
        }
    }
}

extension Sequential {
    /// A multi-layer perceptron from a size list such as `[784, 30, 20, 10]`: hidden layers
    /// use `hiddenActivation`, the last layer is linear (it produces logits for the loss).
    ///
    /// Weights are zero until an initialiser fills them. The same as building
    /// `NetworkBlueprint(sizes: sizes, hiddenActivation: hiddenActivation)`.
    ///
    /// - Throws: ``NetworkError`` for fewer than two sizes or a size below 1.
    public static func mlp(_ sizes: [Int], hiddenActivation: HiddenActivation = .function(.relu)) throws -> Sequential {
        try NetworkBlueprint(sizes: sizes, hiddenActivation: hiddenActivation).build()
    }
}
