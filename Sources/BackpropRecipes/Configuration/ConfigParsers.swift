import Foundation
import TOMLKit
import Yams

// MARK: - Formats

/// The configuration file formats understood by ``RunConfiguration``.
public enum ConfigFormat: String, Sendable, CaseIterable {
    /// YAML 1.1 (`.yaml`, `.yml`), read with Yams.
    case yaml
    /// TOML 1.0 (`.toml`), read with TOMLKit.
    case toml

    /// The format for a file path, chosen by extension (case-insensitive); `nil` when unknown.
    public init?(path: String) {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "yaml", "yml": self = .yaml
        case "toml": self = .toml
        default: return nil
        }
    }
}

// MARK: - Limits

/// Bounds checked on the raw text before it reaches a parser: the YAML and TOML parsers
/// recurse once per nesting level (a deeply nested document overflows the stack) and YAML
/// aliases expand a small document into an exponentially large one ("billion laughs").
public enum ConfigLimits {
    /// The largest configuration file read, in bytes.
    public static let maximumSize = 1 << 20
    /// The deepest nesting of lists and tables, flow (`[[[…]]]`) or block (indentation).
    public static let maximumDepth = 64
    /// The most YAML aliases (`*name`) in one document.
    public static let maximumAliases = 64
    /// The most values (scalars, lists, tables) a YAML document may expand to.
    public static let maximumNodes = 100_000

    /// Throws a ``ConfigError`` naming `file` when `text` exceeds a limit.
    ///
    /// - Parameters:
    ///   - text: The document.
    ///   - format: YAML or TOML; aliases and block nesting are YAML only.
    ///   - file: The file named in the error.
    public static func check(_ text: String, format: ConfigFormat, file: String) throws {
        let bytes = Array(text.utf8)
        guard bytes.count <= maximumSize else {
            throw ConfigError(file: file, problem: .exceedsLimit("the document holds \(bytes.count) bytes, at most \(maximumSize) are read"))
        }
        if format == .toml { try checkTOML(text, file: file) }
        var flowDepth = 0, aliases = 0, line = 1
        var quote: UInt8? = nil, comment = false, lineStart = true, indentation = 0
        for (index, byte) in bytes.enumerated() {
            if byte == UInt8(ascii: "\n") {
                line += 1
                comment = false
                lineStart = true
                indentation = 0
                quote = nil
                continue
            }
            if comment { continue }
            if let open = quote {
                if byte == open && (open == UInt8(ascii: "'") || index == 0 || bytes[index - 1] != UInt8(ascii: "\\")) { quote = nil }
                continue
            }
            if lineStart {
                // Block nesting: indentation plus compact "- - -" sequence markers.
                if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: ":") {
                    indentation += 1
                    if format == .yaml && indentation > 2 * maximumDepth {
                        throw ConfigError(file: file, line: line, problem: .exceedsLimit("nesting deeper than \(maximumDepth) levels"))
                    }
                    continue
                }
                lineStart = false
            }
            switch byte {
            case UInt8(ascii: "#"): comment = true
            case UInt8(ascii: "\""), UInt8(ascii: "'"): quote = byte
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                flowDepth += 1
                if flowDepth > maximumDepth {
                    throw ConfigError(file: file, line: line, problem: .exceedsLimit("nesting deeper than \(maximumDepth) levels"))
                }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): flowDepth = max(0, flowDepth - 1)
            case UInt8(ascii: "*") where format == .yaml:
                aliases += 1
                if aliases > maximumAliases {
                    throw ConfigError(file: file, line: line, problem: .exceedsLimit("more than \(maximumAliases) aliases (*name); alias expansion can make a small document enormous"))
                }
            default: break
            }
        }
    }
}

// MARK: - Parsing

/// Turns YAML or TOML text into ordered, typed ``ConfigEntry`` lists.
enum ConfigParser {
    /// Parses `text` as a top-level table. Errors name `file` and, where the parser gives it, the line.
    static func parse(_ text: String, format: ConfigFormat, file: String) throws -> [ConfigEntry] {
        try ConfigLimits.check(text, format: format, file: file)
        switch format {
        case .yaml: return try parseYAML(text, file: file)
        case .toml: return try parseTOML(text, file: file)
        }
    }

    // MARK: YAML

    private static func parseYAML(_ text: String, file: String) throws -> [ConfigEntry] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw yamlError(error, file: file)
        } catch {
            throw ConfigError(file: file, problem: .malformed(String(describing: error)))
        }
        guard let root else { return [] }
        guard case .mapping(let mapping) = root else {
            throw ConfigError(file: file, line: root.mark?.line,
                              problem: .malformed("the top level must be a mapping of keys to values"))
        }
        var budget = ConfigLimits.maximumNodes
        return try yamlEntries(mapping, file: file, budget: &budget)
    }

    /// `budget` counts the nodes still allowed: aliases share one composed node, and
    /// converting it once per reference could otherwise grow exponentially.
    private static func yamlEntries(_ mapping: Node.Mapping, file: String, budget: inout Int) throws -> [ConfigEntry] {
        var entries: [ConfigEntry] = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                throw ConfigError(file: file, line: keyNode.mark?.line, problem: .malformed("keys must be plain text"))
            }
            let key = keyScalar.string
            if entries.contains(where: { $0.key == key }) {
                throw ConfigError(file: file, key: key, line: keyNode.mark?.line, problem: .malformed("duplicate key"))
            }
            let value = try yamlValue(valueNode, key: key, file: file, budget: &budget)
            entries.append(ConfigEntry(key: key, value: value, line: keyNode.mark?.line))
        }
        return entries
    }

    private static func yamlValue(_ node: Node, key: String, file: String, budget: inout Int) throws -> ConfigValue {
        budget -= 1
        guard budget >= 0 else {
            throw ConfigError(file: file, key: key, line: node.mark?.line,
                              problem: .exceedsLimit("the document expands to more than \(ConfigLimits.maximumNodes) values (through aliases)"))
        }
        switch node {
        case .mapping(let mapping):
            return .table(try yamlEntries(mapping, file: file, budget: &budget))
        case .sequence(let sequence):
            var values: [ConfigValue] = []
            for element in sequence { values.append(try yamlValue(element, key: key, file: file, budget: &budget)) }
            return .list(values)
        case .scalar(let scalar):
            if scalar.style != .plain && scalar.style != .any { return .string(scalar.string) }
            if node.null != nil {
                throw ConfigError(file: file, key: key, line: node.mark?.line, problem: .invalidValue("empty value"))
            }
            if let value = node.bool { return .bool(value) }
            // YAML 1.1's base-60 numbers (`1:30`) are read as text: no setting takes one, and
            // the parser's conversion traps on overflow (`1:2:3:…:12`).
            if scalar.string.contains(":") { return .string(scalar.string) }
            if let value = node.int { return .int(value) }
            if let value = node.float { return .double(value) }
            return .string(scalar.string)
        }
    }

    private static func yamlError(_ error: YamlError, file: String) -> ConfigError {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let reason = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            return ConfigError(file: file, line: mark.line, problem: .malformed(reason))
        default:
            return ConfigError(file: file, problem: .malformed(error.description))
        }
    }

    // MARK: TOML

    private static func parseTOML(_ text: String, file: String) throws -> [ConfigEntry] {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(file: file, line: error.source.begin.line, problem: .malformed(error.description))
        } catch {
            throw ConfigError(file: file, problem: .malformed(String(describing: error)))
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        return try tomlEntries(table, file: file, lines: lines)
            .sorted { ($0.line ?? Int.max, $0.key) < ($1.line ?? Int.max, $1.key) }
    }

    private static func tomlEntries(_ table: TOMLTable, file: String, lines: [String]?) throws -> [ConfigEntry] {
        var entries: [ConfigEntry] = []
        for key in table.keys {
            guard let value = table[key] else { continue }
            let line = lines.flatMap { tomlLine(of: key, in: $0) }
            entries.append(ConfigEntry(key: key, value: try tomlValue(value, key: key, file: file, line: line), line: line))
        }
        return entries
    }

    private static func tomlValue(_ value: TOMLValueConvertible, key: String, file: String, line: Int?) throws -> ConfigValue {
        switch value.type {
        case .string: return .string(value.string ?? "")
        case .int: return .int(value.int ?? 0)
        case .double: return .double(value.double ?? 0)
        case .bool: return .bool(value.bool ?? false)
        case .array:
            guard let array = value.array else { return .list([]) }
            return .list(try array.map { try tomlValue($0, key: key, file: file, line: line) })
        case .table:
            guard let table = value.table else { return .table([]) }
            return .table(try tomlEntries(table, file: file, lines: nil))
        default:
            throw ConfigError(file: file, key: key, line: line,
                              problem: .wrongType(expected: "a string, number, boolean, list or table", found: "a date or time"))
        }
    }

    /// The 1-based line of the first `key = …` or `[key]` at the start of a line (TOMLKit gives no positions).
    private static func tomlLine(of key: String, in lines: [String]) -> Int? {
        for (index, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            for form in [key, "\"\(key)\""] {
                if line == "[\(form)]" { return index + 1 }
                if line.hasPrefix(form) {
                    let rest = line.dropFirst(form.count).trimmingCharacters(in: .whitespaces)
                    if rest.hasPrefix("=") || rest.hasPrefix(".") { return index + 1 }
                }
            }
        }
        return nil
    }
}
