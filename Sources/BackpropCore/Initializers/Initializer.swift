import RealModule

/// A scheme for the starting values of a weight matrix (see the Initialization article). Biases always start at 0.
///
/// For a weight of shape `n_out × n_in` (one row per unit):
///
/// | case | distribution |
/// |---|---|
/// | `zeros`, `constant(c)` | every weight `c` — refused for hidden layers (symmetry) |
/// | `smallRandom(standardDeviation:)` | N(0, σ²), σ = 0.01 by default |
/// | `lecunNormal` / `lecunUniform` | σ² = 1/n_in / a = √(3/n_in) |
/// | `xavierNormal` / `xavierUniform` | σ² = 2/(n_in+n_out) / a = √(6/(n_in+n_out)) |
/// | `xavierSigmoidNormal` / `xavierSigmoidUniform` | 4 × the Xavier σ / a |
/// | `heNormal` / `heUniform` | σ² = 2/n_in / a = √(6/n_in) |
/// | `orthogonal(gain:)` | `gain ·` a uniformly random matrix with orthonormal rows or columns (Saxe et al. 2013) |
/// | `lsuv(tolerance:maxIterations:)` | orthogonal, then rescaled on a data batch until the layer's pre-activation variance is 1 (Mishkin & Matas 2015) |
///
/// Uniform draws are from `U[−a, a)`. LSUV needs data, so it is applied by
/// ``Sequential/initializeParameters(_:overrides:random:data:force:bias:)``; on a lone matrix it
/// behaves as `orthogonal(gain: 1)`.
///
/// ```swift
/// var random = RandomGenerator(seed: 1)
/// try network.initializeParameters(.heNormal, random: &random)
/// let scheme = try Initializer(parsing: "orthogonal:gain=1.41")
/// ```
public enum Initializer: Sendable, Hashable, Codable, Setting {
    /// Every weight 0.
    case zeros
    /// Every weight the given value.
    case constant(Double)
    /// N(0, σ²) with a fixed σ.
    case smallRandom(standardDeviation: Double = 0.01)
    /// N(0, 1/n_in) (LeCun et al. 1998); the default for SELU.
    case lecunNormal
    /// U[−√(3/n_in), √(3/n_in)).
    case lecunUniform
    /// N(0, 2/(n_in+n_out)) (Glorot & Bengio 2010); the default for tanh.
    case xavierNormal
    /// U[−√(6/(n_in+n_out)), √(6/(n_in+n_out))).
    case xavierUniform
    /// N(0, 16·2/(n_in+n_out)); the default for sigmoid.
    case xavierSigmoidNormal
    /// U[−4√(6/(n_in+n_out)), 4√(6/(n_in+n_out))).
    case xavierSigmoidUniform
    /// N(0, 2/n_in) (He et al. 2015); the default for the ReLU family.
    case heNormal
    /// U[−√(6/n_in), √(6/n_in)).
    case heUniform
    /// `gain ·` a random matrix with orthonormal rows (wide) or columns (tall).
    case orthogonal(gain: Double = 1)
    /// Layer-sequential unit variance: orthogonal, then each layer's weights are divided by
    /// the standard deviation of its pre-activation on a data batch, until
    /// `|Var − 1| < tolerance` or `maxIterations` rescalings.
    case lsuv(tolerance: Double = 0.1, maxIterations: Int = 10)

    // MARK: - Names

    public static let family = "initialiser"

    /// The flag names in the order of the table above, each with its help.
    public static let registry = [
        SettingName("zeros", "every weight 0 (output layer only)"),
        SettingName("constant", "every weight the same value; option value (0) (output layer only)"),
        SettingName("small", "N(0, σ²); option std (0.01)"),
        SettingName("lecun", "N(0, 1/n_in), the default for SELU"),
        SettingName("lecun-uniform", "U[−√(3/n_in), √(3/n_in))"),
        SettingName("xavier", "N(0, 2/(n_in+n_out)), the default for tanh"),
        SettingName("xavier-uniform", "U[−√(6/(n_in+n_out)), √(6/(n_in+n_out)))"),
        SettingName("xavier-sigmoid", "4 × the Xavier σ, the default for sigmoid"),
        SettingName("xavier-sigmoid-uniform", "4 × the Xavier bound"),
        SettingName("he", "N(0, 2/n_in), the default for the ReLU family"),
        SettingName("he-uniform", "U[−√(6/n_in), √(6/n_in))"),
        SettingName("orthogonal", "a random orthonormal matrix; option gain (1)"),
        SettingName("lsuv", "orthogonal, rescaled on data to unit variance; options tolerance (0.1), iterations (10)"),
    ]

    /// The flag name of this scheme.
    public var name: String {
        switch self {
        case .zeros: "zeros"
        case .constant: "constant"
        case .smallRandom: "small"
        case .lecunNormal: "lecun"
        case .lecunUniform: "lecun-uniform"
        case .xavierNormal: "xavier"
        case .xavierUniform: "xavier-uniform"
        case .xavierSigmoidNormal: "xavier-sigmoid"
        case .xavierSigmoidUniform: "xavier-sigmoid-uniform"
        case .heNormal: "he"
        case .heUniform: "he-uniform"
        case .orthogonal: "orthogonal"
        case .lsuv: "lsuv"
        }
    }

    /// Parses a flag value `name[:key=value,...]`: `constant:value=0.5`, `small:std=0.01`,
    /// `orthogonal:gain=1.41`, `lsuv:tolerance=0.1,iterations=10`; other names take no options.
    ///
    /// - Throws: ``NetworkError`` naming the unknown name (with the
    ///   closest known one) or option.
    public init(parsing text: String) throws {
        let setting = try NamedSetting(parsing: text)
        switch setting.name {
        case "zeros", "zero":
            try setting.validateKeys([])
            self = .zeros
        case "constant":
            try setting.validateKeys(["value"])
            self = .constant(setting.value("value", default: 0))
        case "small", "small-random":
            try setting.validateKeys(["std"])
            let deviation = setting.value("std", default: 0.01)
            guard deviation > 0 else { throw NetworkError.invalidSetting(family: nil, text: text, problem: "std must be positive") }
            self = .smallRandom(standardDeviation: deviation)
        case "orthogonal":
            try setting.validateKeys(["gain"])
            self = .orthogonal(gain: setting.value("gain", default: 1))
        case "lsuv":
            try setting.validateKeys(["tolerance", "iterations"])
            let tolerance = setting.value("tolerance", default: 0.1)
            let iterations = try setting.integer("iterations", default: 10)
            guard tolerance > 0, iterations >= 1 else {
                throw NetworkError.invalidSetting(family: nil, text: text, problem: "tolerance must be positive and iterations at least 1")
            }
            self = .lsuv(tolerance: tolerance, maxIterations: iterations)
        default:
            let plain: [Initializer] = [
                .lecunNormal, .lecunUniform, .xavierNormal, .xavierUniform, .xavierSigmoidNormal,
                .xavierSigmoidUniform, .heNormal, .heUniform,
            ]
            guard let match = plain.first(where: { $0.name == setting.name }) else {
                throw Self.unknownName(setting.name, in: text)
            }
            try setting.validateKeys([])
            self = match
        }
    }

    /// The flag text, which ``init(parsing:)`` reads back: the name, with the options that
    /// differ from their defaults (`constant:value=0.5`, `orthogonal:gain=1.41`).
    public var description: String {
        switch self {
        case let .constant(value): NamedSetting(name: name, options: value == 0 ? [:] : ["value": value]).description
        case let .smallRandom(deviation): NamedSetting(name: name, options: deviation == 0.01 ? [:] : ["std": deviation]).description
        case let .orthogonal(gain): NamedSetting(name: name, options: gain == 1 ? [:] : ["gain": gain]).description
        case let .lsuv(tolerance, iterations):
            NamedSetting(name: name, options: (tolerance == 0.1 ? [:] : ["tolerance": tolerance])
                .merging(iterations == 10 ? [:] : ["iterations": Double(iterations)]) { $1 }).description
        default: name
        }
    }

    /// A label for reports: `constant(0.5)`, `small(σ=0.01)`, `orthogonal(gain=1.41)`,
    /// `lsuv(tolerance=0.1, iterations=10)`, otherwise the name.
    public var displayName: String {
        switch self {
        case let .constant(value): "constant(\(value))"
        case let .smallRandom(deviation): "small(σ=\(deviation))"
        case let .orthogonal(gain): gain == 1 ? "orthogonal" : "orthogonal(gain=\(gain))"
        case let .lsuv(tolerance, iterations): "lsuv(tolerance=\(tolerance), iterations=\(iterations))"
        default: name
        }
    }

    // MARK: - Defaults

    /// The scheme that suits `activation`: He for the ReLU family (ReLU, leaky ReLU, PReLU,
    /// ELU, GELU, SiLU, maxout), LeCun normal for SELU (its self-normalising fixed point
    /// assumes weight variance 1/n_in), Xavier for tanh, Xavier×4 for sigmoid, Xavier otherwise.
    public static func `default`(for activation: HiddenActivation) -> Initializer {
        switch activation {
        case let .function(function): .default(for: function)
        case .prelu, .maxout: .heNormal
        }
    }

    /// The scheme that suits a fused `activation` (same table as for a hidden activation).
    public static func `default`(for activation: Activation) -> Initializer {
        switch activation {
        case .relu, .leakyReLU, .elu, .gelu, .silu: .heNormal
        case .selu: .lecunNormal
        case .sigmoid: .xavierSigmoidNormal
        case .tanh, .identity, .softmax: .xavierNormal
        }
    }

    // MARK: - Properties

    /// `true` for `zeros` and `constant`, which give every unit of a layer the same weights.
    public var isSymmetric: Bool {
        switch self {
        case .zeros, .constant: true
        default: false
        }
    }

    /// The standard deviation of a weight drawn for a layer with `inputCount` inputs and
    /// `outputCount` units (0 for the constant schemes). Orthogonal rows of length `n_in`
    /// have entries of variance `gain²/max(n_in, n_out)`.
    public func standardDeviation(inputCount: Int, outputCount: Int) -> Double {
        let fanIn = Double(inputCount), fanSum = Double(inputCount + outputCount)
        switch self {
        case .zeros, .constant: return 0
        case let .smallRandom(deviation): return deviation
        case .lecunNormal, .lecunUniform: return (1 / fanIn).squareRoot()
        case .xavierNormal, .xavierUniform: return (2 / fanSum).squareRoot()
        case .xavierSigmoidNormal, .xavierSigmoidUniform: return 4 * (2 / fanSum).squareRoot()
        case .heNormal, .heUniform: return (2 / fanIn).squareRoot()
        case let .orthogonal(gain): return abs(gain) / Double(max(inputCount, outputCount)).squareRoot()
        case .lsuv: return 1 / Double(max(inputCount, outputCount)).squareRoot()
        }
    }

    /// The bound `a` of `U[−a, a)` for the uniform schemes, `nil` for the others.
    public func uniformBound(inputCount: Int, outputCount: Int) -> Double? {
        switch self {
        case .lecunUniform, .xavierUniform, .xavierSigmoidUniform, .heUniform:
            // A uniform U[−a, a) has variance a²/3.
            3.squareRoot() * standardDeviation(inputCount: inputCount, outputCount: outputCount)
        default: nil
        }
    }

    // MARK: - Filling

    /// Fills `weights` (`n_out × n_in`) with fresh values drawn from `random`.
    ///
    /// This is the raw draw: it does not refuse symmetric schemes (see
    /// ``Sequential/initializeParameters(_:overrides:random:data:force:bias:)`` for that check), and
    /// `lsuv` draws its orthogonal start.
    public func fill<Scalar: NetworkScalar>(_ weights: Matrix<Scalar>, random: inout RandomGenerator) {
        let (outputs, inputs) = (weights.rows, weights.columns)
        switch self {
        case .zeros:
            weights.fill(0)
        case let .constant(value):
            weights.fill(Scalar(value))
        case let .orthogonal(gain):
            Orthogonal.fill(weights, gain: gain, random: &random)
        case .lsuv:
            Orthogonal.fill(weights, gain: 1, random: &random)
        case .lecunUniform, .xavierUniform, .xavierSigmoidUniform, .heUniform:
            let bound = uniformBound(inputCount: inputs, outputCount: outputs)!
            weights.fillElements { random.uniform(-bound, bound) }
        case .smallRandom, .lecunNormal, .xavierNormal, .xavierSigmoidNormal, .heNormal:
            let deviation = standardDeviation(inputCount: inputs, outputCount: outputs)
            weights.fillElements { random.normal(standardDeviation: deviation) }
        }
    }
}
