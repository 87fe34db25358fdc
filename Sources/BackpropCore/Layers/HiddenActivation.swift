/// The activation of a network's hidden layers, by the names used everywhere (flags,
/// configs, files): ``Activation/registry`` (`identity, sigmoid, tanh, relu, leaky-relu, elu,
/// gelu, silu, selu, softmax`), then `prelu` and `maxout`, each written `name[:key=value]`
/// (`leaky-relu:alpha=0.1` or its alias `leaky-relu:slope=0.1`, `prelu:alpha=0.25`, `maxout:pieces=3`).
public enum HiddenActivation: Sendable, Hashable, Codable, Setting {
    /// A parameter-free function fused into each ``Dense`` layer.
    case function(Activation)
    /// A ``PReLU`` layer after each hidden ``Dense`` (slopes start at `initialAlpha`).
    case prelu(initialAlpha: Double = 0.25)
    /// ``Maxout`` units with `pieces` linear pieces each, in place of the hidden ``Dense``.
    case maxout(pieces: Int = 2)

    public static let family = "activation"

    /// Every activation with default parameters: the functions of ``Activation/registry``,
    /// then `prelu` and `maxout`.
    public static let all: [HiddenActivation] = Activation.registry.map(HiddenActivation.function) + [.prelu(), .maxout()]

    /// The names of ``all`` with their help.
    public static var registry: [SettingName] { all.map { SettingName($0.name, $0.help) } }

    /// Other spellings accepted by ``init(parsing:)``.
    static let aliases = ["linear": "identity", "leakyrelu": "leaky-relu", "leaky_relu": "leaky-relu", "swish": "silu"]

    /// The activation called `name`, with default parameters; `nil` for an unknown name.
    public init?(name: String) {
        guard let activation = try? HiddenActivation(parsing: name) else { return nil }
        self = activation
    }

    /// Parses `name[:key=value]`: `alpha` for `leaky-relu`, `elu` and `prelu`, `pieces` (at
    /// least 1) for `maxout`.
    ///
    /// - Throws: ``NetworkError`` naming an unknown activation (with
    ///   the closest name) or option.
    public init(parsing text: String) throws {
        let setting = try NamedSetting(parsing: text)
        let name = Self.aliases[setting.name] ?? setting.name
        guard let match = Self.all.first(where: { $0.name == name }) else { throw Self.unknownName(setting.name, in: text) }
        switch match {
        case let .function(function):
            var setting = setting
            if case .leakyReLU = function, let slope = setting.options.removeValue(forKey: "slope") {
                // `slope` is another name of leaky ReLU's α.
                guard setting.options["alpha"] == nil else {
                    throw NetworkError.invalidSetting(family: Self.family, text: text, problem: "slope and alpha name the same value; give one")
                }
                setting.options["alpha"] = slope
            }
            try setting.validateKeys(function.parameterKey.map { [$0] } ?? [])
            if let key = function.parameterKey, let value = setting.options[key] {
                self = .function(function.with(parameter: value))
            } else {
                self = match
            }
        case let .prelu(initialAlpha):
            try setting.validateKeys(["alpha"])
            self = .prelu(initialAlpha: setting.value("alpha", default: initialAlpha))
        case let .maxout(pieces):
            try setting.validateKeys(["pieces"])
            let count = try setting.integer("pieces", default: pieces)
            guard count >= 1 else { throw NetworkError.invalidSetting(family: nil, text: text, problem: "pieces must be at least 1") }
            self = .maxout(pieces: count)
        }
    }

    /// The name, without parameters.
    public var name: String {
        switch self {
        case let .function(function): function.name
        case .prelu: "prelu"
        case .maxout: "maxout"
        }
    }

    /// The one-line help of this activation.
    public var help: String {
        switch self {
        case let .function(function): function.help
        case .prelu: "z, or a learned slope αz below 0; option alpha (0.25, the starting slope)"
        case .maxout: "the maximum of k learned linear pieces; option pieces (2)"
        }
    }

    /// The flag text, which ``init(parsing:)`` reads back: the name, with a parameter that
    /// differs from its default (`leaky-relu:alpha=0.1`, `maxout:pieces=3`).
    public var description: String {
        let options: [String: Double]
        switch self {
        case let .function(function):
            let standard = Activation.registry.first { $0.name == function.name }?.parameter
            options = function.parameter.flatMap { $0 == standard ? nil : [function.parameterKey!: $0] } ?? [:]
        case let .prelu(alpha): options = alpha == 0.25 ? [:] : ["alpha": alpha]
        case let .maxout(pieces): return pieces == 2 ? name : "\(name):pieces=\(pieces)"   // a count, written without ".0"
        }
        return NamedSetting(name: name, options: options).description
    }

    /// A label for summaries: `leaky-relu(0.1)`, `maxout(3)`, otherwise the name.
    public var displayName: String {
        switch self {
        case let .function(activation): activation.displayName
        case .prelu: "prelu"
        case let .maxout(pieces): pieces == 2 ? "maxout" : "maxout(\(pieces))"
        }
    }
}

// MARK: - Files

extension HiddenActivation {
    /// Reads the flag text (`"leaky-relu:alpha=0.1"`, as written since model format 2) or the
    /// keyed form of format 1 (`{"function": {"_0": {"leakyReLU": {"alpha": 0.1}}}}`,
    /// `{"prelu": {"initialAlpha": 0.25}}`, `{"maxout": {"pieces": 3}}`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            do { self = try HiddenActivation(parsing: text) } catch {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(error)")
            }
            return
        }
        switch try KeyedForm(from: decoder) {
        case let .function(function): self = .function(function)
        case let .prelu(initialAlpha): self = .prelu(initialAlpha: initialAlpha)
        case let .maxout(pieces): self = .maxout(pieces: pieces)
        }
    }

    /// Writes the flag text, ``description``.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// The keyed form older files hold: the cases with their associated values.
    private enum KeyedForm: Decodable {
        case function(Activation)
        case prelu(initialAlpha: Double)
        case maxout(pieces: Int)
    }
}
