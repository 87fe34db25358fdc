import BackpropCore

/// A problem with a data file or data specification, reported with the file, the place in
/// it (line, column, record or byte) and the reason — never a crash.
///
/// ```swift
/// do { _ = try CSVLoader.load(path: "iris.csv") as Dataset<Float> }
/// catch let error as DataError { print(error) }  // iris.csv:7:3 ("petal"): non-numeric value "abc"
/// ```
public struct DataError: BackpropError, Equatable {
    /// The file the problem is in, or `nil` for a specification string.
    public var file: String?
    /// Where in the file: a line, a record, a byte offset; `nil` for the file as a whole.
    public var location: Location?
    /// What is wrong.
    public var reason: Reason

    /// An error about `file` at `location`.
    public init(file: String?, location: Location? = nil, reason: Reason) {
        self.file = file
        self.location = location
        self.reason = reason
    }

    // MARK: - Location

    /// A place inside a data file.
    public enum Location: Equatable, Sendable, CustomStringConvertible {
        /// A 1-based text line, optionally with a 1-based column and its header name.
        case line(Int, column: Int? = nil, columnName: String? = nil)
        /// A 0-based record (image, label, array row).
        case record(Int)
        /// A byte offset from the start of the (decompressed) content.
        case byte(Int)

        public var description: String {
            switch self {
            case let .line(line, column, name):
                var text = "line \(line)"
                if let column { text += ", column \(column)" }
                if let name { text += " (\"\(name)\")" }
                return text
            case let .record(index):
                return "record \(index)"
            case let .byte(offset):
                return "byte \(offset)"
            }
        }
    }

    // MARK: - Reason

    /// The kinds of problem a loader or parser detects.
    public enum Reason: Equatable, Sendable, CustomStringConvertible {
        /// The file could not be opened or read.
        case unreadable(String)
        /// The file holds no bytes (or only blank lines).
        case emptyFile
        /// A header but no data rows.
        case noRecords
        /// The file ends before the data its header announces.
        case truncated(expectedBytes: Int, actualBytes: Int)
        /// The magic number or signature does not match the format.
        case wrongMagic(expected: String, found: String)
        /// A text row with a different number of fields than the first row.
        case raggedRow(expectedFields: Int, foundFields: Int)
        /// A cell that does not parse as a number.
        case nonNumeric(String)
        /// An empty cell.
        case missingValue
        /// A class label outside `0..<classCount` (or negative when no count is known).
        case labelOutOfRange(label: Int, classCount: Int?)
        /// A header or structure that is malformed.
        case malformed(String)
        /// A valid file using a feature the loader does not support.
        case unsupported(String)
        /// Two files (or parts) that must agree do not.
        case mismatch(String)
        /// A `--data` specification that cannot be understood.
        case invalidSpecification(String)

        public var description: String {
            switch self {
            case let .unreadable(message): return "cannot read the file: \(message)"
            case .emptyFile: return "the file is empty"
            case .noRecords: return "the file has a header but no data rows"
            case let .truncated(expected, actual):
                return "the file is truncated: expected \(expected) bytes, found \(actual)"
            case let .wrongMagic(expected, found): return "wrong magic number: expected \(expected), found \(found)"
            case let .raggedRow(expected, found): return "ragged row: expected \(expected) fields, found \(found)"
            case let .nonNumeric(value): return "non-numeric value \"\(value)\""
            case .missingValue: return "missing value (empty cell)"
            case let .labelOutOfRange(label, classCount):
                if let classCount { return "label \(label) is outside 0..<\(classCount)" }
                return "label \(label) is negative"
            case let .malformed(message): return "malformed: \(message)"
            case let .unsupported(message): return "unsupported: \(message)"
            case let .mismatch(message): return "mismatch: \(message)"
            case let .invalidSpecification(message): return message
            }
        }
    }

    // MARK: - BackpropError

    /// The file and the place in it.
    public var errorLocation: ErrorLocation? {
        let position: ErrorLocation.Position? = switch location {
        case let .line(line, column, columnName)?: .line(line, column: column, columnName: columnName)
        case let .record(index)?: .record(index)
        case let .byte(offset)?: .byte(offset)
        case nil: nil
        }
        return ErrorLocation(file: file, position: position)
    }

    /// The reason.
    public var message: String { reason.description }
}
