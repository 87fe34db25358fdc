import Foundation

/// How a published delimited text file (a UCI `.data` file: no header, the class as a
/// word or a number in some column) becomes a CSV file that ``CSVLoader`` reads with its
/// defaults: a header line, the features, then the class index `0..<classes.count` last.
public struct TabularLayout: Sendable, Equatable {
    /// The downloaded file the table is read from.
    public var source: String
    /// The 0-based column holding the class.
    public var labelColumn: Int
    /// 0-based columns left out (identifiers).
    public var dropColumns: [Int]
    /// The class values as written in the file; a class's index is its position here.
    public var classes: [String]
    /// The header names of the features, in column order.
    public var featureNames: [String]

    /// A layout with every field given.
    public init(source: String, labelColumn: Int, dropColumns: [Int] = [], classes: [String], featureNames: [String]) {
        self.source = source
        self.labelColumn = labelColumn
        self.dropColumns = dropColumns
        self.classes = classes
        self.featureNames = featureNames
    }

    /// The columns a row must have.
    public var columnCount: Int { featureNames.count + 1 + dropColumns.count }

    /// The CSV text of `text` (the content of the file `file`, named in errors): a header,
    /// then one row per non-blank line with the features and the class index.
    ///
    /// - Throws: ``DataError`` at the line and column of a row with the wrong number of
    ///   fields, a feature that is not a number or a class not in ``classes``;
    ///   ``DataError/Reason/noRecords`` when no line holds data.
    public func csv(from text: String, file: String) throws -> String {
        var output = (featureNames + ["class"]).joined(separator: ",") + "\n"
        var rows = 0
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            if fields.allSatisfy(\.isEmpty) { continue }
            let lineNumber = index + 1
            guard fields.count == columnCount else {
                throw DataError(file: file, location: .line(lineNumber), reason: .raggedRow(expectedFields: columnCount, foundFields: fields.count))
            }
            guard let label = classes.firstIndex(of: fields[labelColumn]) else {
                throw DataError(file: file, location: .line(lineNumber, column: labelColumn + 1),
                                reason: .malformed("unknown class \"\(fields[labelColumn])\"; expected one of \(classes.joined(separator: ", "))"))
            }
            var values: [String] = []
            for (column, field) in fields.enumerated() where column != labelColumn && !dropColumns.contains(column) {
                guard Double(field) != nil else {
                    throw DataError(file: file, location: .line(lineNumber, column: column + 1), reason: .nonNumeric(field))
                }
                values.append(field)
            }
            output += (values + [String(label)]).joined(separator: ",") + "\n"
            rows += 1
        }
        guard rows > 0 else { throw DataError(file: file, reason: .noRecords) }
        return output
    }
}
