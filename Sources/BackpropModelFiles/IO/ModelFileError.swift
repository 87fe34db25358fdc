import BackpropCore

/// A model, checkpoint or tensor file that cannot be read or written, with the file and
/// the reason.
public enum ModelFileError: BackpropError, Equatable {
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

    /// The file concerned.
    public var errorLocation: ErrorLocation? {
        switch self {
        case let .truncated(file, _), let .malformed(file, _), let .missingTensor(file, _),
             let .shapeMismatch(file, _, _, _), let .unexpectedTensor(file, _), let .newerFormat(file, _, _),
             let .unreadable(file, _):
            ErrorLocation(file: file)
        }
    }

    /// What is wrong with the file.
    public var message: String {
        switch self {
        case let .truncated(_, detail):
            return "file is truncated (\(detail))"
        case let .malformed(_, detail):
            return "not a valid file (\(detail))"
        case let .missingTensor(_, name):
            return "tensor '\(name)' is missing"
        case let .shapeMismatch(_, name, expected, actual):
            return "tensor '\(name)' has shape \(actual), the network needs \(expected)"
        case let .unexpectedTensor(_, name):
            return "tensor '\(name)' does not belong to this network"
        case let .newerFormat(_, found, supported):
            return "written by a newer version of backprop (format \(found); this build reads up to \(supported)). Please upgrade backprop to read it."
        case let .unreadable(_, detail):
            return detail
        }
    }
}
