/// A ``Setting`` parsed once, kept together with the text it was written as.
///
/// Recipes hold their settings this way: the typed ``value`` is what runs use, the ``text``
/// is what files store and reports show, exactly as given (`Adam`, `moons: n=300` stay as
/// written). It encodes as that one string and decodes by parsing it (`Setting/init(storedText:)`).
///
/// ```swift
/// let optimizer = try SettingText<OptimizerConfiguration>(parsing: "adam:beta2=0.99")
/// optimizer.value.beta2   // 0.99
/// optimizer.text          // "adam:beta2=0.99"
/// var recipe = TrainingRecipe()
/// recipe.optimizer = "adam"   // a literal is parsed on the spot and must be valid
/// ```
public struct SettingText<Value: Setting>: Sendable, Equatable, Codable, CustomStringConvertible, ExpressibleByStringInterpolation {
    /// The text as written.
    public let text: String
    /// The parsed value.
    public let value: Value

    /// Parses `text`.
    /// - Throws: the error of `Value.init(parsing:)`.
    public init(parsing text: String) throws {
        self.value = try Value(parsing: text)
        self.text = text
    }

    /// A value, written as its ``Setting`` description.
    public init(_ value: Value) {
        self.value = value
        self.text = value.description
    }

    /// Parses a literal; an invalid literal is a programming error.
    public init(stringLiteral text: String) {
        do { try self.init(parsing: text) } catch { preconditionFailure("invalid \(Value.family) literal '\(text)': \(error)") }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            value = try Value(storedText: text)
            self.text = text
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(error)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }

    /// The text as written.
    public var description: String { text }

    /// Equal when written the same way.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.text == rhs.text }
}
