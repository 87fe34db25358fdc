/// A problem with the data given to a network or loss, reported with the layer and the
/// shapes involved instead of a crash.
public enum NetworkError: Error, Equatable, CustomStringConvertible {
    /// The input does not have the shape the layer was built for.
    case shapeMismatch(layer: String, expected: String, actual: String)
    /// A batch with no rows.
    case emptyBatch(layer: String)
    /// A class label outside `0..<classCount`.
    case labelOutOfRange(label: Int, row: Int, classCount: Int)
    /// A NaN or infinite value where only finite numbers make sense.
    case nonFinite(place: String, row: Int, column: Int)
    /// A layer or setting that cannot work as configured.
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case let .shapeMismatch(layer, expected, actual):
            return "\(layer) expects input of shape \(expected), got \(actual)"
        case let .emptyBatch(layer):
            return "\(layer) received an empty batch (0 rows)"
        case let .labelOutOfRange(label, row, classCount):
            return "label \(label) in row \(row) is outside 0..<\(classCount)"
        case let .nonFinite(place, row, column):
            return "\(place) holds a NaN or infinite value at row \(row), column \(column)"
        case let .invalidConfiguration(message):
            return message
        }
    }
}
