import Foundation

// MARK: - Config error

/// A problem found while reading or interpreting a configuration file.
///
/// The description names the file, the key (and line when the parser gives it) and the problem,
/// e.g. `run.yaml:4: key 'lr': expected a number, found string 'fast'`.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
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

    /// A one-line message: `FILE[:LINE]: [key 'K': ]PROBLEM`.
    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if let key { text += "key '\(key)': " }
        switch problem {
        case .unreadable(let reason): text += "cannot read the file (\(reason))"
        case .unsupportedFormat(let ext):
            text += "unsupported configuration format '\(ext)' (use .yaml, .yml or .toml)"
        case .malformed(let reason): text += "malformed document: \(reason)"
        case .wrongType(let expected, let found): text += "expected \(expected), found \(found)"
        case .unknownKey(let suggestion):
            text += "unknown key"
            if let suggestion { text += " (did you mean '\(suggestion)'?)" }
        case .invalidValue(let reason): text += "invalid value: \(reason)"
        case .missingKey: text += "missing required key"
        }
        return text
    }

    /// Same as ``description``.
    public var errorDescription: String? { description }
}
