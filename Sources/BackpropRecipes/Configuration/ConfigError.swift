import BackpropCore
import Foundation

// MARK: - Config error

/// A problem found while reading or interpreting a configuration file.
///
/// The description (composed as for every `BackpropError`) names the file, the key (and line
/// when the parser gives it) and the problem, e.g.
/// `run.yaml:4: key 'lr': expected a number, found string 'fast'`.
public struct ConfigError: BackpropError, Equatable, LocalizedError {
    /// What went wrong.
    public enum Problem: Sendable, Equatable {
        /// The file could not be read (missing, unreadable, not UTF-8).
        case unreadable(String)
        /// The file extension is not `.yaml`, `.yml` or `.toml`.
        case unsupportedFormat(String)
        /// The parser rejected the document.
        case malformed(String)
        /// The value has the wrong type.
        case wrongType(expected: String, found: String)
        /// The key is not known; `suggestion` is the closest known key, if any is close.
        case unknownKey(suggestion: String?)
        /// The value has the right type but is not allowed.
        case invalidValue(String)
        /// A required key is missing.
        case missingKey
        /// The document exceeds a limit checked before parsing (size, nesting depth, aliases).
        case exceedsLimit(String)
    }

    /// The file the problem is in (path as given), or `"<flags>"` for command-line values.
    public var file: String
    /// The key concerned, when the problem is about one key.
    public var key: String?
    /// The 1-based line, when known.
    public var line: Int?
    /// The problem.
    public var problem: Problem

    /// Creates an error.
    public init(file: String, key: String? = nil, line: Int? = nil, problem: Problem) {
        self.file = file
        self.key = key
        self.line = line
        self.problem = problem
    }

    /// The file, line and key.
    public var errorLocation: ErrorLocation? {
        ErrorLocation(file: file, position: line.map { .line($0) }, key: key)
    }

    /// The problem without the location.
    public var message: String {
        switch problem {
        case .unreadable(let reason): "cannot read the file (\(reason))"
        case .unsupportedFormat(let ext): "unsupported configuration format '\(ext)' (use .yaml, .yml or .toml)"
        case .malformed(let reason): "malformed document: \(reason)"
        case .wrongType(let expected, let found): "expected \(expected), found \(found)"
        case .unknownKey(let suggestion): "unknown key" + (suggestion.map { " (did you mean '\($0)'?)" } ?? "")
        case .invalidValue(let reason): "invalid value: \(reason)"
        case .exceedsLimit(let reason): "refused before parsing: \(reason)"
        case .missingKey: "missing required key"
        }
    }

    /// Same as `description`.
    public var errorDescription: String? { description }
}
