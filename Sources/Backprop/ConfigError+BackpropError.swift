// `ConfigError` (BackpropRecipes) reports its file, line and key through `BackpropError` like
// every other error of the library. Its own `description` already reads
// `FILE[:LINE]: [key 'K': ]PROBLEM`, the composition `BackpropError` uses.
extension ConfigError: BackpropError {
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
        case .missingKey: "missing required key"
        }
    }
}
