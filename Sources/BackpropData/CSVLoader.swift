import Foundation
import BackpropCore

/// How ``CSVLoader`` reads a delimited text file.
public struct CSVOptions: Sendable, Equatable {
    /// Which column holds the target.
    public enum TargetColumn: Sendable, Equatable {
        /// The last column (the default).
        case last
        /// A 0-based column index; negative values count from the end (`-1` is the last).
        case index(Int)
        /// The column with this header name (needs a header row).
        case name(String)
    }

    /// What the target column holds.
    public enum TargetKind: String, Sendable, Equatable, CaseIterable {
        /// Class labels: non-negative integers used as class indices, or strings mapped
        /// to indices in sorted order (the names are kept as `Dataset.classNames`).
        case classification
        /// Real values: the dataset's targets are an `m × 1` matrix.
        case regression
    }

    /// The field separator; default `,`.
    public var delimiter: Character
    /// `true` when the first non-blank line names the columns; default `true`.
    public var hasHeader: Bool
    /// The target column; default the last one.
    public var targetColumn: TargetColumn
    /// Classification (default) or regression.
    public var targetKind: TargetKind
    /// For integer labels: the number of classes, so labels at or above it are rejected;
    /// `nil` takes the largest label plus one.
    public var classCount: Int?

    /// Options with the defaults above.
    public init(delimiter: Character = ",", hasHeader: Bool = true, targetColumn: TargetColumn = .last,
                targetKind: TargetKind = .classification, classCount: Int? = nil) {
        self.delimiter = delimiter
        self.hasHeader = hasHeader
        self.targetColumn = targetColumn
        self.targetKind = targetKind
        self.classCount = classCount
    }
}

/// Reads comma- (or otherwise) delimited text into a `Dataset`: every column except the
/// target is a numeric feature.
///
/// Fields may be wrapped in double quotes (`"a,b"`, with `""` for a quote inside). Blank
/// lines are skipped; `\r\n` and old Mac `\r` line ends are accepted, NUL bytes refused. Every problem is reported with the
/// file, the 1-based line and column, and the reason: an empty file, a header without
/// rows, a ragged row, an empty (missing) or non-numeric cell, a negative or too-large
/// integer label.
///
/// ```swift
/// let iris: Dataset<Float> = try CSVLoader.load(path: "iris.csv", options: .init(targetColumn: .name("species")))
/// ```
public enum CSVLoader {
    /// Loads the file at `path`.
    public static func load<Scalar: NetworkScalar>(path: String, options: CSVOptions = CSVOptions(), as _: Scalar.Type = Scalar.self) throws -> Dataset<Scalar> {
        try parse(bytes: DataFile.bytes(at: path), file: path, options: options)
    }

    /// Parses CSV `text`; `file` names the source in errors.
    public static func parse<Scalar: NetworkScalar>(_ text: String, file: String, options: CSVOptions = CSVOptions(), as _: Scalar.Type = Scalar.self) throws -> Dataset<Scalar> {
        try parse(bytes: Array(text.utf8), file: file, options: options)
    }

    /// Parses UTF-8 CSV content in one pass: each row's features go straight into a flat
    /// buffer of numbers, so memory stays close to the size of the result.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public static func parse<Scalar: NetworkScalar>(bytes: [UInt8], file: String, options: CSVOptions = CSVOptions(), as _: Scalar.Type = Scalar.self) throws -> Dataset<Scalar> {
        guard let delimiter = options.delimiter.asciiValue, options.delimiter != "\"" else {
            throw DataError(file: file, reason: .invalidSpecification("the delimiter must be one ASCII character other than a quote, got \"\(options.delimiter)\""))
        }
        var fieldCount = 0
        var header: [String]?
        var target = 0
        var firstLine = 0
        var values: [Double] = []
        var targetCells: [String] = []
        var targetLines: [Int] = []
        var fields: [String] = []
        var ranges: [Range<Int>] = []
        let quote = UInt8(ascii: "\"")
        // A NUL after the content lets strtod read a number in place; its end pointer must
        // land exactly on the field's end, otherwise the slow path reports the problem.
        let terminated = bytes + [0]
        try terminated.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            try forEachLine(bytes, file: file) { line, lineNumber in
                if firstLine != 0 && !line.contains(quote) {
                    // Fast path: an unquoted record.
                    ranges.removeAll(keepingCapacity: true)
                    var start = line.startIndex
                    for index in line.indices where line[index] == delimiter {
                        ranges.append(start..<index)
                        start = index + 1
                    }
                    ranges.append(start..<line.endIndex)
                    guard ranges.count == fieldCount else {
                        throw DataError(file: file, location: .line(lineNumber), reason: .raggedRow(expectedFields: fieldCount, foundFields: ranges.count))
                    }
                    for (index, range) in ranges.enumerated() where index != target {
                        var end: UnsafeMutablePointer<CChar>?
                        let value = range.isEmpty ? .nan : strtod(base + range.lowerBound, &end)
                        if value.isFinite, let end, UnsafePointer(end) == base + range.upperBound {
                            values.append(value)
                        } else {
                            values.append(try number(String(decoding: bytes[range], as: UTF8.self), file: file, line: lineNumber, column: index, header: header))
                        }
                    }
                    targetCells.append(trimmed(String(decoding: bytes[ranges[target]], as: UTF8.self)))
                    targetLines.append(lineNumber)
                    return
                }
                try splitFields(line, delimiter: delimiter, file: file, line: lineNumber, into: &fields)
                if firstLine == 0 {
                    firstLine = lineNumber
                    fieldCount = fields.count
                    if options.hasHeader { header = fields.map(trimmed) }
                    target = try targetIndex(options.targetColumn, fieldCount: fieldCount, header: header, file: file, line: lineNumber)
                    guard fieldCount >= 2 else {
                        throw DataError(file: file, location: .line(lineNumber), reason: .malformed("a data row needs at least one feature and a target, found \(fieldCount) field"))
                    }
                    if options.hasHeader { return }
                }
                guard fields.count == fieldCount else {
                    throw DataError(file: file, location: .line(lineNumber), reason: .raggedRow(expectedFields: fieldCount, foundFields: fields.count))
                }
                for (index, field) in fields.enumerated() where index != target {
                    values.append(try number(field, file: file, line: lineNumber, column: index, header: header))
                }
                targetCells.append(trimmed(fields[target]))
                targetLines.append(lineNumber)
            }
        }
        guard firstLine > 0 else { throw DataError(file: file, reason: .emptyFile) }
        guard !targetCells.isEmpty else { throw DataError(file: file, reason: .noRecords) }

        let count = targetCells.count
        let width = fieldCount - 1
        try ResourceLimits.bytes(for: [count, width], elementSize: MemoryLayout<Scalar>.stride, what: "the features", file: file)
        let features = Matrix<Scalar>(rows: count, columns: width)
        for index in 0..<values.count {
            let value = Scalar(values[index])
            guard value.isFinite else {
                // 1e39 is a finite Double but overflows Float.
                let feature = index % width
                let column = feature < target ? feature : feature + 1
                throw DataError(file: file, location: location(targetLines[index / width], column, header),
                                reason: .outOfRange(value: "\(values[index])", type: Scalar.typeDescription))
            }
            features.base[index] = value
        }

        switch options.targetKind {
        case .regression:
            let targets = Matrix<Scalar>(rows: count, columns: 1)
            for row in 0..<count {
                let value = try number(targetCells[row], file: file, line: targetLines[row], column: target, header: header)
                guard Scalar(value).isFinite else {
                    throw DataError(file: file, location: location(targetLines[row], target, header),
                                    reason: .outOfRange(value: "\(value)", type: Scalar.typeDescription))
                }
                targets[row, 0] = Scalar(value)
            }
            return try Dataset(features: features, targets: targets)
        case .classification:
            for (row, cell) in targetCells.enumerated() where cell.isEmpty {
                throw DataError(file: file, location: location(targetLines[row], target, header), reason: .missingValue)
            }
            let integers = targetCells.map { Int($0) }
            if integers.allSatisfy({ $0 != nil }) {
                let labels = integers.map { $0! }
                let classCount = try ResourceLimits.classCount(labels: labels, given: options.classCount, file: file) {
                    location(targetLines[$0], target, header)
                }
                try ResourceLimits.bytes(for: [count, classCount], elementSize: MemoryLayout<Scalar>.stride, what: "the one-hot targets", file: file)
                for (row, label) in labels.enumerated() where label < 0 || label >= classCount {
                    throw DataError(file: file, location: location(targetLines[row], target, header),
                                    reason: .labelOutOfRange(label: label, classCount: label < 0 && options.classCount == nil ? nil : classCount))
                }
                return try Dataset(features: features, labels: labels, classCount: classCount)
            }
            let names = Array(Set(targetCells)).sorted()
            if let classCount = options.classCount, names.count > classCount {
                throw DataError(file: file, reason: .mismatch("\(names.count) distinct class names for \(classCount) classes"))
            }
            let indexOf = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
            return try Dataset(features: features, labels: targetCells.map { indexOf[$0]! }, classCount: names.count, classNames: names)
        }
    }

    // MARK: - Lines and fields

    /// Calls `body` with every non-blank line (without its `\n`, `\r\n` or old Mac `\r`
    /// end) and its 1-based number; a leading UTF-8 byte-order mark is skipped.
    ///
    /// - Throws: ``DataError`` naming the line of a NUL byte (a binary file, or UTF-16 text).
    static func forEachLine(_ bytes: [UInt8], file: String? = nil, _ body: (ArraySlice<UInt8>, Int) throws -> Void) throws {
        var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var lineNumber = 0
        let newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")
        while start < bytes.count {
            lineNumber += 1
            var end = start
            while end < bytes.count && bytes[end] != newline && bytes[end] != carriageReturn {
                if bytes[end] == 0 {
                    throw DataError(file: file, location: .line(lineNumber, column: end - start + 1),
                                    reason: .malformed("a NUL byte: this is a binary file (or UTF-16 text), not UTF-8 CSV"))
                }
                end += 1
            }
            let line = bytes[start..<end]
            if !line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { try body(line, lineNumber) }
            // `\r\n` is one line end; a lone `\r` (old Mac files) is one too.
            start = end + (end + 1 < bytes.count && bytes[end] == carriageReturn && bytes[end + 1] == newline ? 2 : 1)
        }
    }

    /// Splits one line into `fields` (reused), honouring double quotes (`""` is a quote
    /// inside a quoted field).
    static func splitFields(_ line: ArraySlice<UInt8>, delimiter: UInt8, file: String, line lineNumber: Int, into fields: inout [String]) throws {
        fields.removeAll(keepingCapacity: true)
        let quote = UInt8(ascii: "\"")
        var index = line.startIndex
        var fieldStart = index
        while true {
            // Skip leading spaces to see whether the field is quoted.
            var probe = fieldStart
            while probe < line.endIndex && line[probe] == UInt8(ascii: " ") { probe += 1 }
            if probe < line.endIndex && line[probe] == quote {
                var content: [UInt8] = []
                index = probe + 1
                var closed = false
                while index < line.endIndex {
                    if line[index] == quote {
                        if index + 1 < line.endIndex && line[index + 1] == quote {
                            content.append(quote)
                            index += 2
                            continue
                        }
                        closed = true
                        index += 1
                        break
                    }
                    content.append(line[index])
                    index += 1
                }
                guard closed else {
                    throw DataError(file: file, location: .line(lineNumber, column: fields.count + 1), reason: .malformed("unterminated quoted field"))
                }
                // Anything up to the next delimiter after the closing quote is kept.
                while index < line.endIndex && line[index] != delimiter {
                    content.append(line[index])
                    index += 1
                }
                fields.append(String(decoding: content, as: UTF8.self))
            } else {
                index = fieldStart
                while index < line.endIndex && line[index] != delimiter { index += 1 }
                fields.append(String(decoding: line[fieldStart..<index], as: UTF8.self))
            }
            if index >= line.endIndex { break }
            index += 1  // the delimiter
            fieldStart = index
            if fieldStart == line.endIndex {
                fields.append("")
                break
            }
        }
    }

    static func targetIndex(_ column: CSVOptions.TargetColumn, fieldCount: Int, header: [String]?, file: String, line: Int) throws -> Int {
        switch column {
        case .last:
            return fieldCount - 1
        case let .index(index):
            let resolved = index < 0 ? fieldCount + index : index
            guard resolved >= 0 && resolved < fieldCount else {
                throw DataError(file: file, reason: .invalidSpecification("target column \(index) is outside 0..<\(fieldCount)"))
            }
            return resolved
        case let .name(name):
            guard let header else {
                throw DataError(file: file, reason: .invalidSpecification("target column \"\(name)\" needs a header row"))
            }
            guard let found = header.firstIndex(of: name) else {
                throw DataError(file: file, location: .line(line),
                                reason: .invalidSpecification("no column named \"\(name)\"; columns: \(header.joined(separator: ", "))"))
            }
            return found
        }
    }

    static func trimmed(_ field: String) -> String {
        guard field.first == " " || field.first == "\t" || field.last == " " || field.last == "\t" else { return field }
        return String(field.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }

    static func location(_ line: Int, _ column: Int, _ header: [String]?) -> DataError.Location {
        .line(line, column: column + 1, columnName: header?[column])
    }

    static func number(_ field: String, file: String, line: Int, column: Int, header: [String]?) throws -> Double {
        if let value = Double(field), value.isFinite { return value }
        let text = trimmed(field)
        if text.isEmpty { throw DataError(file: file, location: location(line, column, header), reason: .missingValue) }
        guard let value = Double(text), value.isFinite else {
            throw DataError(file: file, location: location(line, column, header), reason: .nonNumeric(text))
        }
        return value
    }
}
