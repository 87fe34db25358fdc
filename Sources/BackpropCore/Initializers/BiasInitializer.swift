/// How the biases of the weight-bearing layers start (`--bias-init`): `zeros` (the default),
/// `constant:value=v` (or `constant:v`) and `normal:std=s` (or `normal:s`), a Gaussian
/// N(0, s²).
///
/// ```swift
/// let bias = try BiasInitializer(parsing: "constant:0.9")   // .constant(0.9)
/// ```
public enum BiasInitializer: Sendable, Hashable, Codable, Setting {
    case zeros
    case constant(Double)
    case normal(standardDeviation: Double)

    public static let family = "bias initialiser"

    public static var registry: [SettingName] {
        [SettingName("zeros", "every bias 0 (the default)"),
         SettingName("constant", "every bias v; option value (constant:0.9 is short for constant:value=0.9)"),
         SettingName("normal", "biases drawn from N(0, s²); option std (normal:0.1 is short for normal:std=0.1)")]
    }

    /// Parses `zeros`, `constant:value=v`, `constant:v`, `normal:std=s` or `normal:s`.
    ///
    /// - Throws: ``NetworkError`` naming an unknown name or option, or a negative `std`.
    public init(parsing text: String) throws {
        var written = text
        if let colon = text.firstIndex(of: ":"), !text[colon...].contains("=") {
            let name = text[..<colon].lowercased()
            let key = name == "normal" ? "std" : "value"
            written = "\(text[..<colon]):\(key)=\(text[text.index(after: colon)...])"
        }
        let setting = try NamedSetting(parsing: written)
        switch setting.name {
        case "zeros", "zero", "constant":
            // The weight initialisers of the same names read them.
            guard case let .constant(value) = try Initializer(parsing: written) else { self = .zeros; return }
            self = .constant(value)
        case "normal":
            try setting.validateKeys(["std"])
            let deviation = setting.value("std", default: 0.01)
            guard deviation >= 0 else { throw NetworkError.invalidSetting(family: Self.family, text: text, problem: "std must be non-negative") }
            self = .normal(standardDeviation: deviation)
        default:
            throw Self.unknownName(setting.name, in: text)
        }
    }

    /// The text ``init(parsing:)`` reads back.
    public var description: String {
        switch self {
        case .zeros: "zeros"
        case let .constant(value): "constant:value=\(value)"
        case let .normal(deviation): "normal:std=\(deviation)"
        }
    }

    /// Fills `bias` (drawing from `random` only for `normal`).
    func fill<Scalar: NetworkScalar>(_ bias: Matrix<Scalar>, random: inout RandomGenerator) {
        switch self {
        case .zeros: bias.fill(0)
        case let .constant(value): bias.fill(Scalar(value))
        case let .normal(deviation): Initializer.smallRandom(standardDeviation: deviation).fill(bias, random: &random)
        }
    }
}
