import BackpropCore
import Foundation

// MARK: - Run configuration

/// The settings of one training run read from a YAML or TOML file, keyed like the `train` flags.
///
/// ```yaml
/// data: moons
/// layers: [2, 16, 2]
/// lr: 0.1
/// search:
///   lr: {log-uniform: [0.0001, 1.0]}
/// ```
/// Entries keep file order (TOML: top-level keys in order of first appearance, keys of nested
/// tables sorted, as TOMLKit keeps no positions). The `search:` block is kept
/// apart (``searchBlock``) and read by `searchSpace()` (model selection). Command-line flags win over file values
/// through ``overriding(with:)``. Accessors return `nil` for an absent key and throw a
/// ``ConfigError`` naming the file, key and line on a wrong type or an invalid value.
public struct RunConfiguration: Sendable, Equatable {
    /// The keys of the `train` command that a configuration file may set: the recipe's flags
    /// without `--` (`header` stands for `--no-header`). A test checks them against the flags.
    public static let trainKeys: [String] = [
        "data", "target-column", "delimiter", "header", "regression", "split", "stratify", "classes", "limit",
        "scale", "standardize", "minmax", "subtract-mean", "pca", "whiten", "zca", "whiten-epsilon", "augment",
        "layers", "activation", "dropout", "input-noise", "batch-norm", "init", "loss", "label-smoothing",
        "output-activation", "bias-init", "allow-symmetric", "batch-norm-momentum", "batch-norm-epsilon", "input-dropout", "dropout-style",
        "optimizer", "lr", "batch-size", "epochs", "schedule", "snapshot-ensemble", "accumulate", "ema",
        "l1", "l2", "max-norm", "adversarial", "adversarial-weight", "early-stopping", "early-stopping-monitor", "seed", "precision",
    ]

    /// The name used for the source of values given on the command line in error messages.
    public static let commandLineSource = "command line"

    /// Where the values came from (the file path as given), used in error messages.
    public var file: String
    /// The settings in order, without the `search:` block.
    public private(set) var entries: [ConfigEntry]
    /// The raw `search:` block, if the file has one.
    public private(set) var searchBlock: ConfigEntry?
    /// Keys whose value came from the command line rather than the file.
    public private(set) var overriddenKeys: Set<String> = []

    /// Creates a configuration from entries; an entry named `search` becomes ``searchBlock``.
    public init(entries: [ConfigEntry], file: String = RunConfiguration.commandLineSource) {
        self.file = file
        self.entries = entries.filter { $0.key != "search" }
        self.searchBlock = entries.first { $0.key == "search" }
    }

    // MARK: Loading

    /// Reads a configuration file, choosing YAML or TOML by its extension (`.yaml`, `.yml`, `.toml`).
    /// - Throws: ``ConfigError`` for an unreadable file, an unknown extension or a malformed document (with line).
    public static func load(path: String) throws -> RunConfiguration {
        guard let format = ConfigFormat(path: path) else {
            throw ConfigError(file: path, problem: .unsupportedFormat(URL(fileURLWithPath: path).pathExtension))
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigError(file: path, problem: .unreadable((error as NSError).localizedDescription))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, problem: .unreadable("not UTF-8 text"))
        }
        return try parse(text, format: format, file: path)
    }

    /// Parses configuration text in the given format; `file` names the source in errors.
    public static func parse(_ text: String, format: ConfigFormat, file: String) throws -> RunConfiguration {
        RunConfiguration(entries: try ConfigParser.parse(text, format: format, file: file), file: file)
    }

    // MARK: Validation and merging

    /// Throws for the first key not in `known` (the `search` block is exempt), suggesting the closest known key.
    public func validateKeys(known: [String] = RunConfiguration.trainKeys) throws {
        for entry in entries where !known.contains(entry.key) {
            throw ConfigError(file: source(of: entry.key), key: entry.key, line: entry.line,
                              problem: .unknownKey(suggestion: KeySuggestion.closest(to: entry.key, in: known)))
        }
    }

    /// A copy without the entries of `keys`: a command that reads keys of its own (`search`
    /// reads `study` and `study-name`) takes them out before the rest becomes a recipe.
    public func removingEntries(_ keys: Set<String>) -> RunConfiguration {
        var copy = self
        copy.entries.removeAll { keys.contains($0.key) }
        return copy
    }

    /// A copy where each given value replaces the file's value for its key (keeping the key's
    /// position), and new keys are appended in sorted order. Used to let flags override a file.
    public func overriding(with values: [String: ConfigValue]) -> RunConfiguration {
        var copy = self
        for key in values.keys.sorted() {
            let value = values[key]!
            if let index = copy.entries.firstIndex(where: { $0.key == key }) {
                copy.entries[index] = ConfigEntry(key: key, value: value, line: nil)
            } else {
                copy.entries.append(ConfigEntry(key: key, value: value, line: nil))
            }
            copy.overriddenKeys.insert(key)
        }
        return copy
    }

    // MARK: Lookup

    /// The keys in order.
    public var keys: [String] { entries.map(\.key) }

    /// The raw value of `key`, or `nil` when absent.
    public subscript(key: String) -> ConfigValue? { entry(key)?.value }

    /// The value of `key`.
    /// - Throws: ``ConfigError`` with problem `missingKey` when absent.
    public func require(_ key: String) throws -> ConfigValue {
        guard let value = self[key] else { throw ConfigError(file: file, key: key, problem: .missingKey) }
        return value
    }

    /// The entry for `key`, or `nil` when absent.
    public func entry(_ key: String) -> ConfigEntry? { entries.first { $0.key == key } }

    /// An error about `key` located at its file and line.
    public func error(key: String, _ problem: ConfigError.Problem) -> ConfigError {
        ConfigError(file: source(of: key), key: key, line: entry(key)?.line, problem: problem)
    }

    private func source(of key: String) -> String {
        overriddenKeys.contains(key) ? RunConfiguration.commandLineSource : file
    }

    private func wrongType(_ key: String, expected: String, found value: ConfigValue) -> ConfigError {
        error(key: key, .wrongType(expected: expected, found: "\(value.typeName) '\(value)'"))
    }

    // MARK: Typed accessors

    /// The text value of `key`; `nil` when absent. Numbers and booleans are refused.
    public func string(_ key: String) throws -> String? {
        guard let value = self[key] else { return nil }
        guard case .string(let text) = value else { throw wrongType(key, expected: "a string", found: value) }
        return text
    }

    /// The text value of `key`, which must be one of `allowed`; `nil` when absent.
    public func choice(_ key: String, in allowed: [String]) throws -> String? {
        guard let text = try string(key) else { return nil }
        guard allowed.contains(text) else {
            var reason = "'\(text)' is not one of \(allowed.joined(separator: ", "))"
            if let suggestion = KeySuggestion.closest(to: text, in: allowed) { reason += " (did you mean '\(suggestion)'?)" }
            throw error(key: key, .invalidValue(reason))
        }
        return text
    }

    /// The integer value of `key`; `nil` when absent. A number with a fractional part is refused.
    public func int(_ key: String) throws -> Int? {
        guard let value = self[key] else { return nil }
        switch value {
        case .int(let number): return number
        case .double(let number) where number.rounded() == number && abs(number) < 9e15: return Int(number)
        default: throw wrongType(key, expected: "an integer", found: value)
        }
    }

    /// The integer value of `key`, which must lie in `range`; `nil` when absent.
    public func int(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let number = try int(key) else { return nil }
        guard range.contains(number) else {
            throw error(key: key, .invalidValue("\(number) is outside \(range.lowerBound)...\(range.upperBound)"))
        }
        return number
    }

    /// The numeric value of `key` (integers widen); `nil` when absent.
    public func double(_ key: String) throws -> Double? {
        guard let value = self[key] else { return nil }
        guard let number = value.numericValue else { throw wrongType(key, expected: "a number", found: value) }
        return number
    }

    /// The numeric value of `key`, which must lie in `range`; `nil` when absent.
    public func double(_ key: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let number = try double(key) else { return nil }
        guard range.contains(number), number.isFinite else {
            throw error(key: key, .invalidValue("\(number) is outside [\(range.lowerBound), \(range.upperBound)]"))
        }
        return number
    }

    /// The boolean value of `key`; `nil` when absent.
    public func bool(_ key: String) throws -> Bool? {
        guard let value = self[key] else { return nil }
        guard case .bool(let flag) = value else { throw wrongType(key, expected: "a boolean (true or false)", found: value) }
        return flag
    }

    /// The list of integers of `key` (e.g. `layers: [2, 16, 2]`); `nil` when absent.
    public func intList(_ key: String) throws -> [Int]? {
        guard let value = self[key] else { return nil }
        guard case .list(let items) = value else { throw wrongType(key, expected: "a list of integers", found: value) }
        return try items.map { item in
            guard case .int(let number) = item else { throw wrongType(key, expected: "a list of integers", found: value) }
            return number
        }
    }

    /// The list of numbers of `key`; `nil` when absent.
    public func doubleList(_ key: String) throws -> [Double]? {
        guard let value = self[key] else { return nil }
        guard case .list(let items) = value else { throw wrongType(key, expected: "a list of numbers", found: value) }
        return try items.map { item in
            guard let number = item.numericValue else { throw wrongType(key, expected: "a list of numbers", found: value) }
            return number
        }
    }
}
