import BackpropCore

/// A fixed pixel scaling, the `scale` setting (`--scale`). Image sources default to `unit`
/// and every other source to `none` (``DataSource/defaultPixelScale``).
public enum PixelScale: String, CaseIterable, Sendable, Codable, Setting {
    /// `x·0.99/255 + 0.01` (values in `[0.01, 1]`).
    case mnist
    /// `x/255` (values in `[0, 1]`), the default for images.
    case unit
    /// The raw values (`none`), the default for tabular and synthetic data.
    case unscaled = "none"

    public static let family = "pixel scale"

    /// The scalings with their help.
    public static var registry: [SettingName] { allCases.map { SettingName($0.rawValue, $0.help) } }

    /// The map: `x·0.99/255 + 0.01`, `x/255`, `raw values`.
    public var formula: String {
        switch self {
        case .mnist: "x·0.99/255 + 0.01"
        case .unit: "x/255"
        case .unscaled: "raw values"
        }
    }

    /// The one-line help of this scaling.
    public var help: String {
        switch self {
        case .mnist: formula
        case .unit: "\(formula) (the default for images)"
        case .unscaled: "\(formula) (the default for tabular data)"
        }
    }

    /// The scaling called `text`.
    /// - Throws: `NetworkError` naming the choices and the closest one.
    public init(parsing text: String) throws {
        let setting = try NamedSetting(parsing: text)
        guard let scale = PixelScale(rawValue: setting.name) else { throw Self.unknownName(setting.name, in: text) }
        try setting.validateKeys([])
        self = scale
    }

    /// The name, which ``init(parsing:)`` reads back.
    public var description: String { rawValue }

    /// The preprocessing step, `nil` for `none`.
    public var method: PreprocessingMethod? {
        switch self {
        case .mnist: .mnistPixels
        case .unit: .unitPixels
        case .unscaled: nil
        }
    }
}

/// The preprocessing switches of the command line and config files (`scale`,
/// `standardize`, `minmax`, `subtract-mean`, `pca`, `whiten`, `zca`, `whiten-epsilon`),
/// turned into the ordered list of ``PreprocessingMethod``s they stand for.
public struct PreprocessingChoices: Sendable, Equatable {
    /// A fixed pixel scaling: `mnist` (`x·0.99/255 + 0.01`), `unit` (`x/255`) or `none`;
    /// `nil` (not given) applies none here — a recipe puts the source's default in its place
    /// (``DataSource/defaultPixelScale``).
    public var scale: PixelScale?
    /// Standardise every feature.
    public var standardize = false
    /// Scale every feature to [0, 1].
    public var minMax = false
    /// Subtract the mean of every feature.
    public var subtractMean = false
    /// PCA: a component count (integer ≥ 1) or a variance fraction in (0, 1).
    public var pca: String?
    /// PCA whitening.
    public var whiten = false
    /// ZCA whitening.
    public var zca = false
    /// The ε of whitening.
    public var whitenEpsilon = PreprocessingMethod.defaultEpsilon

    public init() {}

    /// These choices with ``scale`` set to `source`'s default (``DataSource/defaultPixelScale``:
    /// `unit` for images) when none was given; `defaulted` is `true` when that put a scaling in.
    public func withDefaultScale(for source: DataSource) -> (choices: PreprocessingChoices, defaulted: Bool) {
        guard scale == nil, source.defaultPixelScale != .unscaled else { return (self, false) }
        var choices = self
        choices.scale = source.defaultPixelScale
        return (choices, true)
    }

    /// The steps in the order they apply: pixel scale, min-max, mean subtraction,
    /// standardisation, then PCA / whitening.
    ///
    /// - Throws: `NetworkError` naming the conflicting or bad switch.
    public func methods() throws -> [PreprocessingMethod] {
        if standardize && minMax { throw NetworkError.incompatible("standardize and minmax", "each other; choose one", relation: "exclude") }
        if zca && (whiten || pca != nil) { throw NetworkError.incompatible("zca", "whiten or pca (it keeps every component)", relation: "cannot be combined with") }
        guard whitenEpsilon >= 0 && whitenEpsilon.isFinite else {
            throw NetworkError.invalidValue(setting: "whiten-epsilon", value: "\(whitenEpsilon)", requirement: "must be non-negative")
        }
        var methods: [PreprocessingMethod] = []
        if let method = scale?.method { methods.append(method) }
        if minMax { methods.append(.minMax(lower: 0, upper: 1)) }
        if subtractMean { methods.append(.subtractMean) }
        if standardize { methods.append(.standardize) }
        var components = ComponentCount.all
        if let pca {
            if let k = Int(pca), k >= 1 {
                components = .count(k)
            } else if let fraction = Double(pca), fraction > 0, fraction < 1 {
                components = .varianceFraction(fraction)
            } else {
                throw NetworkError.invalidValue(setting: "pca", value: "\"\(pca)\"", requirement: "must be a positive integer or a fraction in (0, 1)")
            }
        }
        if zca {
            methods.append(.zcaWhitening(epsilon: whitenEpsilon))
        } else if whiten {
            methods.append(.pcaWhitening(components: components, epsilon: whitenEpsilon))
        } else if pca != nil {
            methods.append(.pca(components: components))
        }
        return methods
    }
}
