import Backprop

/// A failure reported as one line and a non-zero exit status.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Runs `body`, turning the library's errors (every ``BackpropError``) into a one-line
/// ``CommandFailure`` that reads as the error's description: `FILE:LINE: key 'K': MESSAGE`,
/// without the parts that do not apply.
func reportingFailures<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as any BackpropError {
        throw CommandFailure(message: error.description)
    }
}
