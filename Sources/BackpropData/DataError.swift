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
        /// A class label outside `0..<classCount` (or negative when no count is known),
        /// with an optional note on how to fix it.
        case labelOutOfRange(label: Int, classCount: Int?, note: String? = nil)
        /// A header or structure that is malformed.
        case malformed(String)
        /// A valid file using a feature the loader does not support.
        case unsupported(String)
        /// Two files (or parts) that must agree do not.
        case mismatch(String)
        /// A `--data` specification that cannot be understood.
        case invalidSpecification(String)
        /// Sizes announced by the file that overflow or exceed the memory budget; the text
        /// gives the size needed and the size available.
        case tooLarge(String)
        /// A value that does not fit in the element type the data is loaded as.
        case outOfRange(value: String, type: String)
        /// A classification training set whose `count` examples all belong to class `name`.
        case singleClass(name: String, count: Int)

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
            case let .labelOutOfRange(label, classCount, note):
                let suffix = note.map { ": \($0)" } ?? ""
                if let classCount { return "label \(label) is outside 0..<\(classCount)\(suffix)" }
                return "label \(label) is negative\(suffix)"
            case let .malformed(message): return "malformed: \(message)"
            case let .unsupported(message): return "unsupported: \(message)"
            case let .mismatch(message): return "mismatch: \(message)"
            case let .invalidSpecification(message): return message
            case let .tooLarge(message): return "too large: \(message)"
            case let .outOfRange(value, type): return "the value \(value) does not fit in \(type)"
            case let .singleClass(name, count):
                return "all \(count) training examples belong to one class (\"\(name)\"); a classifier needs at least two classes — check the target column, or train a regression for a numeric target"
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

    /// `limit` reported against `file` at `location`.
    init(file: String?, location: Location? = nil, limit: ResourceLimitError) {
        self.init(file: file, location: location, reason: .tooLarge(limit.message))
    }
}

extension ResourceLimits {
    /// ``ResourceLimits/bytes(for:elementSize:what:)`` with the error reported as a
    /// ``DataError`` about `file`.
    @discardableResult
    static func bytes(for dimensions: [Int], elementSize: Int, what: String, file: String?, location: DataError.Location? = nil) throws -> Int {
        do {
            return try bytes(for: dimensions, elementSize: elementSize, what: what)
        } catch let error as ResourceLimitError {
            throw DataError(file: file, location: location, limit: error)
        }
    }

    /// The class count for integer `labels`: `given` when set, else the largest label plus
    /// one, refused when that exceeds ``maximumInferredClassCount`` (sparse labels such as
    /// 1e9 would otherwise make a giant one-hot matrix).
    static func classCount(labels: [Int], given: Int?, file: String?, location: (Int) -> DataError.Location) throws -> Int {
        if let given { return given }
        guard let (row, largest) = labels.enumerated().max(by: { $0.element < $1.element }) else { return 1 }
        guard largest < maximumInferredClassCount else {
            let distinct = Set(labels).count
            throw DataError(file: file, location: location(row),
                            reason: .labelOutOfRange(label: largest, classCount: maximumInferredClassCount,
                                                     note: "labels are class indices 0…C−1; \(distinct) distinct labels would make \(largest) + 1 classes. Renumber them 0…\(distinct - 1), or write them as names (e.g. \"c\(largest)\") so they are mapped"))
        }
        return largest + 1
    }
}

extension NetworkScalar {
    /// `32-bit floats` or `64-bit floats`, for messages about values out of range.
    static var typeDescription: String { "\(MemoryLayout<Self>.size * 8)-bit floats" }
}
