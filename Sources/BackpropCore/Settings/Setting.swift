/// One named choice of a setting family — its name as written and a one-line help.
public struct SettingName: Sendable, Hashable {
    /// The name as written before any `:` (lower case).
    public var name: String
    /// A one-line description for help texts.
    public var help: String

    public init(_ name: String, _ help: String) {
        self.name = name
        self.help = help
    }
}

/// A family of settings written as text — an activation, a loss, an initialiser, an
/// optimiser, a schedule, a data source, a pixel scale — with one registry of its names.
///
/// A conforming type parses its text once (``init(parsing:)``, usually `name[:key=value,...]`
/// through ``NamedSetting``), prints itself back to text that parses to the same value
/// (`description`), and lists its names with a one-line help each (``registry``). Flags,
/// config files and recipes are all checked against the registry, so a new choice needs only
/// its case, its registry entry and its tests.
///
/// ```swift
/// let optimizer = try OptimizerConfiguration(parsing: "adam:beta2=0.99")
/// try OptimizerConfiguration(parsing: optimizer.description) == optimizer   // true
/// OptimizerConfiguration.names   // ["sgd", "momentum", …]
/// ```
public protocol Setting: Sendable, Equatable, CustomStringConvertible {
    /// The family in messages, e.g. `optimiser`.
    static var family: String { get }
    /// Every name the family accepts, in the order help texts list them, with its help.
    static var registry: [SettingName] { get }
    /// Parses the text of a flag or config value.
    ///
    /// - Throws: an error naming the text and the faulty part; an unknown name comes with
    ///   the closest known name (``Setting/unknownName(_:in:)``).
    init(parsing text: String) throws
    /// Reads the text back from a file (a recipe in `model.json`): ``init(parsing:)``
    /// unless the family must accept stored text that needs something absent now (a bare
    /// `mnist` without its environment variable).
    init(storedText text: String) throws
}

extension Setting {
    public init(storedText text: String) throws { try self.init(parsing: text) }

    /// The names of ``registry``, in order.
    public static var names: [String] { registry.map(\.name) }

    /// The one-line help of `name`, or `nil` when the family has no such name.
    public static func help(for name: String) -> String? {
        registry.first { $0.name == name }?.help
    }

    /// `name — help` lines, one per name, for help texts.
    public static var helpLines: [String] {
        let width = names.map(\.count).max() ?? 0
        return registry.map { $0.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.help }
    }

    /// The error for a name the family does not know: names the family, the name, the
    /// choices and the closest one ("did you mean").
    public static func unknownName(_ name: String, in text: String? = nil) -> NetworkError {
        NetworkError.unknownName(kind: family, name: name, known: names, text: text)
    }
}
