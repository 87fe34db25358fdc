/// An error thrown by Backprop: a one-line ``message`` and, when the problem sits somewhere in
/// a file or a configuration, its ``errorLocation``.
///
/// Every error type of the library conforms, so one `catch let error as any BackpropError`
/// handles them all. The default ``description`` composes the two the same way for every
/// type — `FILE:LINE: key 'K': MESSAGE`, leaving out what does not apply:
///
/// ```swift
/// do { _ = try CSVLoader.load(path: "iris.csv") as Dataset<Float> }
/// catch let error as any BackpropError { print(error) }  // iris.csv:7:3 ("petal"): non-numeric value "abc"
/// ```
public protocol BackpropError: Error, CustomStringConvertible, Sendable {
    /// Where the problem is (file, line or record, key), or `nil` when it is nowhere in
    /// particular — a bad argument or a computation that failed.
    var errorLocation: ErrorLocation? { get }
    /// What is wrong, without the location.
    var message: String { get }
}

extension BackpropError {
    /// No location.
    public var errorLocation: ErrorLocation? { nil }

    /// `LOCATION: MESSAGE`, or the message alone without a location.
    public var description: String {
        guard let errorLocation, !errorLocation.isEmpty else { return message }
        return "\(errorLocation): \(message)"
    }
}

/// Where in a file or configuration a problem is.
///
/// Its description follows the convention of compilers and `grep -n`: `FILE:LINE:COLUMN`
/// for a text position, then `record N` or `byte N` for binary files, then `key 'K'`, each
/// part separated by `": "` and left out when unknown.
public struct ErrorLocation: Sendable, Hashable, CustomStringConvertible {
    /// A place inside a file.
    public enum Position: Sendable, Hashable {
        /// A 1-based text line, optionally with a 1-based column and its header name.
        case line(Int, column: Int? = nil, columnName: String? = nil)
        /// A 0-based record (image, label, array row).
        case record(Int)
        /// A byte offset from the start of the (decompressed) content.
        case byte(Int)
    }

    /// The file (path as given), or `nil` for command-line values and specification strings.
    public var file: String?
    /// The place inside the file.
    public var position: Position?
    /// The configuration key concerned.
    public var key: String?

    /// A location; every part is optional.
    public init(file: String? = nil, position: Position? = nil, key: String? = nil) {
        self.file = file
        self.position = position
        self.key = key
    }

    /// Whether no part is known.
    public var isEmpty: Bool { file == nil && position == nil && key == nil }

    /// `iris.csv:7:3 ("petal")`, `train-labels: record 5`, `run.yaml:4: key 'lr'`.
    public var description: String {
        var parts: [String] = []
        switch position {
        case let .line(line, column, columnName)?:
            var text = file.map { "\($0):\(line)" } ?? "line \(line)"
            if let column { text += file == nil ? ", column \(column)" : ":\(column)" }
            if let columnName { text += " (\"\(columnName)\")" }
            parts.append(text)
        case let .record(index)?:
            if let file { parts.append(file) }
            parts.append("record \(index)")
        case let .byte(offset)?:
            if let file { parts.append(file) }
            parts.append("byte \(offset)")
        case nil:
            if let file { parts.append(file) }
        }
        if let key { parts.append("key '\(key)'") }
        return parts.joined(separator: ": ")
    }
}
