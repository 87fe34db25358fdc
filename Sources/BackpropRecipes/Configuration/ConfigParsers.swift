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

// MARK: - Parsing

/// Turns YAML or TOML text into ordered, typed ``ConfigEntry`` lists.
enum ConfigParser {
    /// Parses `text` as a top-level table. Errors name `file` and, where the parser gives it, the line.
    static func parse(_ text: String, format: ConfigFormat, file: String) throws -> [ConfigEntry] {
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
        return try yamlEntries(mapping, file: file)
    }

    private static func yamlEntries(_ mapping: Node.Mapping, file: String) throws -> [ConfigEntry] {
        var entries: [ConfigEntry] = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                throw ConfigError(file: file, line: keyNode.mark?.line, problem: .malformed("keys must be plain text"))
            }
            let key = keyScalar.string
            if entries.contains(where: { $0.key == key }) {
                throw ConfigError(file: file, key: key, line: keyNode.mark?.line, problem: .malformed("duplicate key"))
            }
            let value = try yamlValue(valueNode, key: key, file: file)
            entries.append(ConfigEntry(key: key, value: value, line: keyNode.mark?.line))
        }
        return entries
    }

    private static func yamlValue(_ node: Node, key: String, file: String) throws -> ConfigValue {
        switch node {
        case .mapping(let mapping):
            return .table(try yamlEntries(mapping, file: file))
        case .sequence(let sequence):
            return .list(try sequence.map { try yamlValue($0, key: key, file: file) })
        case .scalar(let scalar):
            if scalar.style != .plain && scalar.style != .any { return .string(scalar.string) }
            if node.null != nil {
                throw ConfigError(file: file, key: key, line: node.mark?.line, problem: .invalidValue("empty value"))
            }
            if let value = node.bool { return .bool(value) }
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
