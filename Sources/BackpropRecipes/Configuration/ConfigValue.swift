import Foundation

// MARK: - Config value

/// A typed value read from a configuration file (YAML or TOML) or given by a command-line flag.
///
/// Tables keep their keys in file order (YAML) or in the parser's order (TOML sorts keys).
/// Encodes to JSON as the natural JSON value (`"s"`, `3`, `0.5`, `true`, `[…]`, `{…}`).
public enum ConfigValue: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A text value, e.g. `activation: relu`.
    case string(String)
    /// An integer value, e.g. `epochs: 30`.
    case int(Int)
    /// A floating-point value, e.g. `lr: 0.1`.
    case double(Double)
    /// A boolean value, e.g. `batch-norm: true`.
    case bool(Bool)
    /// A list value, e.g. `layers: [2, 16, 2]`.
    case list([ConfigValue])
    /// A nested table (mapping) with its entries in order, e.g. `lr: {log-uniform: [1e-4, 1]}`.
    case table([ConfigEntry])

    /// The name of the value's type as used in error messages ("string", "integer", …).
    public var typeName: String {
        switch self {
        case .string: "string"
        case .int: "integer"
        case .double: "number"
        case .bool: "boolean"
        case .list: "list"
        case .table: "table"
        }
    }

    /// The value as a number: integers widen to `Double`; other types give `nil`.
    public var numericValue: Double? {
        switch self {
        case .int(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }

    /// The value written as it would appear in a YAML flow document (`[2, 16, 2]`, `0.01`, `relu`).
    public var description: String {
        switch self {
        case .string(let value): value
        case .int(let value): String(value)
        case .double(let value): String(value)
        case .bool(let value): String(value)
        case .list(let values): "[" + values.map(\.description).joined(separator: ", ") + "]"
        case .table(let entries): "{" + entries.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        }
    }

    /// Looks up `key` when the value is a table; `nil` otherwise or when absent.
    public subscript(key: String) -> ConfigValue? {
        guard case .table(let entries) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }

    // MARK: Codable

    private struct DynamicKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Decodes any JSON value; an object becomes a table with its keys sorted (JSON objects have no order).
    public init(from decoder: Decoder) throws {
        if let container = try? decoder.container(keyedBy: DynamicKey.self) {
            var entries: [ConfigEntry] = []
            for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
                entries.append(ConfigEntry(key: key.stringValue, value: try container.decode(ConfigValue.self, forKey: key)))
            }
            self = .table(entries)
            return
        }
        if var container = try? decoder.unkeyedContainer() {
            var values: [ConfigValue] = []
            while !container.isAtEnd { values.append(try container.decode(ConfigValue.self)) }
            self = .list(values)
            return
        }
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    /// Encodes as the natural JSON value.
    public func encode(to encoder: Encoder) throws {
        switch self {
        case .string(let value):
            var container = encoder.singleValueContainer(); try container.encode(value)
        case .int(let value):
            var container = encoder.singleValueContainer(); try container.encode(value)
        case .double(let value):
            var container = encoder.singleValueContainer(); try container.encode(value)
        case .bool(let value):
            var container = encoder.singleValueContainer(); try container.encode(value)
        case .list(let values):
            var container = encoder.unkeyedContainer()
            for value in values { try container.encode(value) }
        case .table(let entries):
            var container = encoder.container(keyedBy: DynamicKey.self)
            for entry in entries { try container.encode(entry.value, forKey: DynamicKey(stringValue: entry.key)) }
        }
    }
}

// MARK: - Config entry

/// One `key: value` pair of a configuration table, with the 1-based line where the parser saw it.
public struct ConfigEntry: Sendable, Hashable, Codable {
    /// The key as written (e.g. `batch-size`).
    public var key: String
    /// The typed value.
    public var value: ConfigValue
    /// The 1-based line of the key in its file, when the parser reports positions (YAML does, TOML does not).
    public var line: Int?

    /// Creates an entry.
    public init(key: String, value: ConfigValue, line: Int? = nil) {
        self.key = key
        self.value = value
        self.line = line
    }
}
