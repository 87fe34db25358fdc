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
        /// to indices in sorted order (the names are kept as ``Dataset/classNames``).
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

/// Reads comma- (or otherwise) delimited text into a ``Dataset``: every column except the
/// target is a numeric feature.
///
/// Fields may be wrapped in double quotes (`"a,b"`, with `""` for a quote inside). Blank
/// lines are skipped; `\r\n` line ends are accepted. Every problem is reported with the
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
        let bytes = try DataFile.bytes(at: path)
        return try parse(String(decoding: bytes, as: UTF8.self), file: path, options: options)
    }

    /// Parses CSV `text`; `file` names the source in errors.
    public static func parse<Scalar: NetworkScalar>(_ text: String, file: String, options: CSVOptions = CSVOptions(), as _: Scalar.Type = Scalar.self) throws -> Dataset<Scalar> {
        // MARK: Rows
        var rows: [(line: Int, fields: [String])] = []
        var lineNumber = 0
        // "\r\n" is one Character in Swift, so both line ends are separators.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.last == "\r" { line = line.dropLast() }
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            rows.append((lineNumber, try splitFields(line, delimiter: options.delimiter, file: file, line: lineNumber)))
        }
        guard let first = rows.first else { throw DataError(file: file, reason: .emptyFile) }
        let fieldCount = first.fields.count
        for row in rows where row.fields.count != fieldCount {
            throw DataError(file: file, location: .line(row.line), reason: .raggedRow(expectedFields: fieldCount, foundFields: row.fields.count))
        }
        let header: [String]? = options.hasHeader ? first.fields.map(trimmed) : nil
        let records = options.hasHeader ? Array(rows.dropFirst()) : rows
        guard !records.isEmpty else { throw DataError(file: file, reason: .noRecords) }

        // MARK: Target column
        let target: Int
        switch options.targetColumn {
        case .last:
            target = fieldCount - 1
        case let .index(index):
            let resolved = index < 0 ? fieldCount + index : index
            guard resolved >= 0 && resolved < fieldCount else {
                throw DataError(file: file, reason: .invalidSpecification("target column \(index) is outside 0..<\(fieldCount)"))
            }
            target = resolved
        case let .name(name):
            guard let header else {
                throw DataError(file: file, reason: .invalidSpecification("target column \"\(name)\" needs a header row"))
            }
            guard let found = header.firstIndex(of: name) else {
                throw DataError(file: file, location: .line(first.line),
                                reason: .invalidSpecification("no column named \"\(name)\"; columns: \(header.joined(separator: ", "))"))
            }
            target = found
        }
        guard fieldCount >= 2 else {
            throw DataError(file: file, location: .line(first.line), reason: .malformed("a data row needs at least one feature and a target, found \(fieldCount) field"))
        }

        // MARK: Features
        let features = Matrix<Scalar>(rows: records.count, columns: fieldCount - 1)
        for (row, record) in records.enumerated() {
            var column = 0
            for (index, field) in record.fields.enumerated() where index != target {
                let value = try number(field, file: file, line: record.line, column: index, header: header)
                features[row, column] = Scalar(value)
                column += 1
            }
        }

        // MARK: Targets
        let cells = records.map { trimmed($0.fields[target]) }
        switch options.targetKind {
        case .regression:
            let targets = Matrix<Scalar>(rows: records.count, columns: 1)
            for (row, record) in records.enumerated() {
                targets[row, 0] = Scalar(try number(record.fields[target], file: file, line: record.line, column: target, header: header))
            }
            return try Dataset(features: features, targets: targets)
        case .classification:
            for (row, cell) in cells.enumerated() where cell.isEmpty {
                throw DataError(file: file, location: location(records[row].line, target, header), reason: .missingValue)
            }
            let integers = cells.map { Int($0) }
            if integers.allSatisfy({ $0 != nil }) {
                let labels = integers.map { $0! }
                let classCount = options.classCount ?? ((labels.max() ?? 0) + 1)
                for (row, label) in labels.enumerated() where label < 0 || label >= classCount {
                    throw DataError(file: file, location: location(records[row].line, target, header),
                                    reason: .labelOutOfRange(label: label, classCount: label < 0 && options.classCount == nil ? nil : classCount))
                }
                return try Dataset(features: features, labels: labels, classCount: classCount)
            }
            let names = Array(Set(cells)).sorted()
            if let classCount = options.classCount, names.count > classCount {
                throw DataError(file: file, reason: .mismatch("\(names.count) distinct class names for \(classCount) classes"))
            }
            let indexOf = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
            return try Dataset(features: features, labels: cells.map { indexOf[$0]! }, classCount: names.count, classNames: names)
        }
    }

    // MARK: - Fields

    static func splitFields(_ line: Substring, delimiter: Character, file: String, line lineNumber: Int) throws -> [String] {
        var fields: [String] = []
        var current = ""
        var inQuotes = false
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            if inQuotes {
                if character == "\"" {
                    let next = line.index(after: index)
                    if next < line.endIndex && line[next] == "\"" {
                        current.append("\"")
                        index = next
                    } else {
                        inQuotes = false
                    }
                } else {
                    current.append(character)
                }
            } else if character == "\"" && current.allSatisfy({ $0 == " " }) {
                current = ""
                inQuotes = true
            } else if character == delimiter {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
            index = line.index(after: index)
        }
        if inQuotes {
            throw DataError(file: file, location: .line(lineNumber, column: fields.count + 1), reason: .malformed("unterminated quoted field"))
        }
        fields.append(current)
        return fields
    }

    static func trimmed(_ field: String) -> String {
        String(field.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }

    static func location(_ line: Int, _ column: Int, _ header: [String]?) -> DataError.Location {
        .line(line, column: column + 1, columnName: header?[column])
    }

    static func number(_ field: String, file: String, line: Int, column: Int, header: [String]?) throws -> Double {
        let text = trimmed(field)
        if text.isEmpty { throw DataError(file: file, location: location(line, column, header), reason: .missingValue) }
        guard let value = Double(text), value.isFinite else {
            throw DataError(file: file, location: location(line, column, header), reason: .nonNumeric(text))
        }
        return value
    }
}
