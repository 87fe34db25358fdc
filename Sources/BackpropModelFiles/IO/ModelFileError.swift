/// A model, checkpoint or tensor file that cannot be read or written, with the file and
/// the reason.
public enum ModelFileError: Error, Equatable, CustomStringConvertible {
    /// The file ends before the data its header promises.
    case truncated(file: String, detail: String)
    /// The file's structure is invalid (bad header, bad JSON, inconsistent offsets).
    case malformed(file: String, detail: String)
    /// A tensor the network needs is absent.
    case missingTensor(file: String, name: String)
    /// A tensor exists with a shape other than the network's.
    case shapeMismatch(file: String, name: String, expected: [Int], actual: [Int])
    /// A tensor the network does not have.
    case unexpectedTensor(file: String, name: String)
    /// A format version newer than this build understands.
    case newerFormat(file: String, found: Int, supported: Int)
    /// The file cannot be opened or written.
    case unreadable(file: String, detail: String)

    public var description: String {
        switch self {
        case let .truncated(file, detail):
            return "\(file): file is truncated (\(detail))"
        case let .malformed(file, detail):
            return "\(file): not a valid file (\(detail))"
        case let .missingTensor(file, name):
            return "\(file): tensor '\(name)' is missing"
        case let .shapeMismatch(file, name, expected, actual):
            return "\(file): tensor '\(name)' has shape \(actual), the network needs \(expected)"
        case let .unexpectedTensor(file, name):
            return "\(file): tensor '\(name)' does not belong to this network"
        case let .newerFormat(file, found, supported):
            return "\(file): written by a newer version of backprop (format \(found); this build reads up to \(supported)). Please upgrade backprop to read it."
        case let .unreadable(file, detail):
            return "\(file): \(detail)"
        }
    }
}
