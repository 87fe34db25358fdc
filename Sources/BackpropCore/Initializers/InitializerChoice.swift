/// The initialiser a recipe or the `--init` flag names: `auto` (the default of each layer's
/// activation, ``Initializer/default(for:)-(HiddenActivation)``) or one ``Initializer``.
///
/// ```swift
/// try InitializerChoice(parsing: "auto").scheme            // nil
/// try InitializerChoice(parsing: "orthogonal:gain=2").scheme // .orthogonal(gain: 2)
/// ```
public enum InitializerChoice: Sendable, Hashable, Setting {
    /// The activation's default scheme for every layer.
    case auto
    /// The same scheme for every layer.
    case scheme(Initializer)

    public static let family = "initialiser"

    /// `auto`, then the names of ``Initializer/registry``.
    public static var registry: [SettingName] {
        [SettingName("auto", "He for the ReLU family, GELU and SiLU, LeCun for SELU, Xavier for tanh, Xavier×4 for sigmoid")] + Initializer.registry
    }

    /// Parses `auto` or an ``Initializer`` text.
    /// - Throws: ``NetworkError`` as ``Initializer/init(parsing:)`` does.
    public init(parsing text: String) throws {
        let setting = try NamedSetting(parsing: text)
        if setting.name == "auto" {
            try setting.validateKeys([])
            self = .auto
            return
        }
        guard Initializer.registry.contains(where: { $0.name == setting.name }) || ["zero", "small-random"].contains(setting.name) else {
            throw Self.unknownName(setting.name, in: text)
        }
        self = .scheme(try Initializer(parsing: text))
    }

    /// The scheme, or `nil` for `auto`.
    public var scheme: Initializer? {
        if case let .scheme(scheme) = self { return scheme }
        return nil
    }

    public var description: String { scheme?.description ?? "auto" }
}
