import ArgumentParser
import Backprop
import Foundation

/// `backprop predict DIR --input FILE|-`: one prediction per input row.
///
/// The input is CSV of raw features (the model's preprocessing is applied here), one
/// example per line, with an optional header (detected: a first line none of whose fields
/// is a number), or a `.npy` array of shape `(n, features)`. The output is CSV: a header,
/// then per row the class name (and with `--proba` one probability per class), or the
/// predicted values for regression. An ensemble folder predicts from the mean of its
/// members' probabilities.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict with a saved model: one CSV row per input row (class, and probabilities with --proba).",
        discussion: """
            Examples:
              backprop predict runs/20261122-101500 --input points.csv
              cat points.csv | backprop predict runs/20261122-101500 --input - --proba --output predictions.csv
              backprop predict model-dir --input features.npy
              backprop predict ensemble-dir --input points.csv --proba
            """)

    @Argument(help: ArgumentHelp("A model folder written by backprop train, or an ensemble folder written by backprop ensemble.", valueName: "dir"))
    var model: String

    @Option(help: ArgumentHelp("CSV of raw features (header optional), '-' for standard input, or a .npy file.", valueName: "file|-"))
    var input: String

    @Option(help: ArgumentHelp("Write the predictions to this file (atomically) instead of standard output.", valueName: "file"))
    var output: String?

    @Flag(help: "Add one probability column per class.")
    var proba = false

    @Option(help: ArgumentHelp("CSV field separator (one character, or 'tab').", valueName: "char"))
    var delimiter: String = ","

    func validate() throws {
        guard delimiter == "tab" || (delimiter.count == 1 && delimiter != "\"") else {
            throw ValidationError("--delimiter must be one character (or 'tab'), got \"\(delimiter)\"")
        }
    }

    func run() throws {
        try reportingFailures {
            let text = try predictions()
            if let output {
                try AtomicFile.write(text, to: URL(fileURLWithPath: output))
            } else {
                print(text, terminator: "")
            }
        }
    }

    // MARK: - Predicting

    /// The CSV text of the predictions for ``input``.
    func predictions() throws -> String {
        let loaded = try LoadedModel.load(from: URL(fileURLWithPath: model))
        let inputs = try readInputs(featureCount: loaded.featureCount)
        return try Self.csv(model: loaded, inputs: inputs, probabilities: proba)
    }

    /// The prediction CSV of `inputs` (raw features).
    static func csv(model: LoadedModel, inputs: Matrix<Float>, probabilities: Bool) throws -> String {
        var lines: [String] = []
        if let names = model.classNames {
            let rows = try model.classProbabilities(inputs)
            lines.append((["class"] + (probabilities ? names.map { "p_" + $0 } : [])).map(field).joined(separator: ","))
            for row in rows {
                var predicted = 0
                for k in 1..<row.count where row[k] > row[predicted] { predicted = k }
                lines.append(([field(names[predicted])] + (probabilities ? row.map { "\(Float($0))" } : [])).joined(separator: ","))
            }
        } else {
            let values = try model.predictProbabilities(inputs)
            lines.append(values.columns == 1 ? "prediction" : (0..<values.columns).map { "prediction_\($0)" }.joined(separator: ","))
            for row in 0..<values.rows {
                lines.append((0..<values.columns).map { "\(values[row, $0])" }.joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A CSV field, quoted when it holds a comma, quote or line break.
    private static func field(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    // MARK: - Reading inputs

    /// The input rows as a matrix of `featureCount` columns.
    ///
    /// - Throws: ``CommandFailure`` naming the file and line of a bad row.
    func readInputs(featureCount: Int) throws -> Matrix<Float> {
        if input.lowercased().hasSuffix(".npy") {
            let array = try NumPyLoader.load(path: input)
            let columns = array.shape.count == 1 ? 1 : array.columnCount
            guard array.shape.count <= 2, columns == featureCount else {
                throw CommandFailure(message: "\(input): array of shape \(array.shape), the model expects (n, \(featureCount))")
            }
            let matrix: Matrix<Float> = try array.matrix()
            return matrix
        }
        let data: Data
        if input == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            do { data = try Data(contentsOf: URL(fileURLWithPath: input)) } catch {
                throw CommandFailure(message: "\(input): cannot read (\(error.localizedDescription))")
            }
        }
        return try Self.parseCSV(String(decoding: data, as: UTF8.self), file: input == "-" ? "standard input" : input,
                                 featureCount: featureCount, delimiter: delimiter == "tab" ? "\t" : Character(delimiter))
    }

    /// Rows of numbers from CSV text; the first line is a header when none of its fields is
    /// a number (a first line mixing numbers and other fields is a bad data row, reported
    /// like any other). Blank lines are skipped.
    static func parseCSV(_ text: String, file: String, featureCount: Int, delimiter: Character = ",") throws -> Matrix<Float> {
        var values: [Float] = []
        var rows = 0
        var isFirstLine = true
        // "\r\n" is one Character, a newline like "\n".
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            if line.allSatisfy(\.isWhitespace) { continue }
            let fields = line.split(separator: delimiter, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let numbers = fields.map { Float($0) }
            defer { isFirstLine = false }
            if isFirstLine, numbers.allSatisfy({ $0 == nil }) {
                guard fields.count == featureCount else {
                    throw CommandFailure(message: "\(file):\(index + 1): header has \(fields.count) columns, the model expects \(featureCount) features")
                }
                continue
            }
            guard fields.count == featureCount else {
                throw CommandFailure(message: "\(file):\(index + 1): \(fields.count) values, the model expects \(featureCount) features")
            }
            for (column, number) in numbers.enumerated() {
                guard let number, number.isFinite else {
                    throw CommandFailure(message: "\(file):\(index + 1): field \(column + 1) \"\(fields[column])\" is not a finite number")
                }
                values.append(number)
            }
            rows += 1
        }
        guard rows > 0 else { throw CommandFailure(message: "\(file): no input rows") }
        return Matrix(rows: rows, columns: featureCount, elements: values)
    }
}
