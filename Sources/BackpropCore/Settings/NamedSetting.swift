/// A choice written as `name[:key=value,...]`, the syntax shared by the ``Setting`` families
/// (the `--activation`, `--init`, `--optimizer` and `--schedule` flags), e.g. `step:every=10,factor=0.5` or `orthogonal:gain=1.41`.
///
/// Names and keys are case-insensitive (stored lower-cased); values are numbers.
///
/// ```swift
/// let setting = try NamedSetting(parsing: "step:every=10,factor=0.5")
/// setting.name                 // "step"
/// setting.options["factor"]    // 0.5
/// ```
public struct NamedSetting: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The lower-cased name before the colon.
    public var name: String
    /// Key → numeric value, keys lower-cased.
    public var options: [String: Double]

    /// A setting with `name` and `options`.
    public init(name: String, options: [String: Double] = [:]) {
        self.name = name.lowercased()
        self.options = options
    }

    /// Parses `name[:key=value,...]`.
    ///
    /// - Throws: ``NetworkError`` naming the text and the faulty part
    ///   for an empty name, a pair without `=`, a repeated key or a value that is not a number.
    public init(parsing text: String) throws {
        let trimmed = text.trimmed
        let parts = trimmed.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let name = parts[0].trimmed.lowercased()
        guard !name.isEmpty else {
            throw NetworkError.invalidSetting(family: nil, text: text, problem: "expected name[:key=value,...], the name is empty")
        }
        var options: [String: Double] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: ",", omittingEmptySubsequences: true) {
                let sides = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard sides.count == 2 else {
                    throw NetworkError.invalidSetting(family: nil, text: text, problem: "'\(pair)' is not of the form key=value")
                }
                let key = sides[0].trimmed.lowercased()
                let valueText = sides[1].trimmed
                guard !key.isEmpty else {
                    throw NetworkError.invalidSetting(family: nil, text: text, problem: "'\(pair)' has an empty key")
                }
                guard let value = Double(valueText), value.isFinite else {
                    throw NetworkError.invalidSetting(family: nil, text: text, problem: "the value of '\(key)' must be a finite number, got '\(valueText)'")
                }
                guard options[key] == nil else {
                    throw NetworkError.invalidSetting(family: nil, text: text, problem: "the key '\(key)' is given twice")
                }
                options[key] = value
            }
        }
        self.init(name: name, options: options)
    }

    /// Throws unless every option key is one of `allowed`.
    public func validateKeys(_ allowed: [String]) throws {
        for key in options.keys.sorted() where !allowed.contains(key) {
            let list = allowed.isEmpty ? "none" : allowed.joined(separator: ", ")
            var problem = "unknown option '\(key)' for \(name) (allowed: \(list))"
            if let suggestion = KeySuggestion.closest(to: key, in: allowed) { problem += " (did you mean '\(suggestion)'?)" }
            throw NetworkError.invalidSetting(family: nil, text: description, problem: problem)
        }
    }

    /// The value of `key`, or `defaultValue` when absent.
    public func value(_ key: String, default defaultValue: Double) -> Double {
        options[key] ?? defaultValue
    }

    /// The value of `key` as a whole number, or `defaultValue` when absent.
    ///
    /// - Throws: ``NetworkError`` when the value is not a whole number.
    public func integer(_ key: String, default defaultValue: Int) throws -> Int {
        guard let value = options[key] else { return defaultValue }
        guard value == value.rounded(), abs(value) < 1e15 else {
            throw NetworkError.invalidSetting(family: nil, text: description, problem: "'\(key)' must be a whole number, got \(value)")
        }
        return Int(value)
    }

    public var description: String {
        guard !options.isEmpty else { return name }
        return name + ":" + options.keys.sorted().map { "\($0)=\(options[$0]!)" }.joined(separator: ",")
    }
}

// MARK: - Trimming

extension StringProtocol {
    /// The text without leading and trailing spaces or tabs.
    fileprivate var trimmed: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
