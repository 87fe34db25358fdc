import Backprop

/// A failure reported as one line and a non-zero exit status.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Runs `body`, turning the library's errors into a one-line ``CommandFailure``.
func reportingFailures<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as TrainingError {
        throw CommandFailure(message: error.description)
    } catch let error as NetworkError {
        throw CommandFailure(message: error.description)
    } catch let error as ConfigError {
        throw CommandFailure(message: error.description)
    } catch let error as DataError {
        throw CommandFailure(message: error.description)
    } catch let error as SearchError {
        throw CommandFailure(message: error.description)
    } catch let error as ModelFileError {
        throw CommandFailure(message: error.description)
    }
}
