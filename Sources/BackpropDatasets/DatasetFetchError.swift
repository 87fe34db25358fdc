import BackpropCore
import Foundation

/// A data set that could not be fetched, verified or prepared.
public struct DatasetFetchError: BackpropError, Equatable {
    /// The data set concerned, when there is one.
    public var dataset: String?
    /// What went wrong.
    public var reason: Reason

    /// An error about `dataset`.
    public init(dataset: String?, reason: Reason) {
        self.dataset = dataset
        self.reason = reason
    }

    /// The kinds of failure.
    public enum Reason: Equatable, Sendable, CustomStringConvertible {
        /// The set is not cached and the network may not be used.
        case offline(cache: String)
        /// A server answered with an HTTP error status.
        case httpStatus(Int, url: String)
        /// No byte arrived for the given number of seconds.
        case timeout(seconds: Double, url: String)
        /// The connection failed or broke off.
        case transfer(String, url: String)
        /// The download's SHA-256 is not one of the published ones; the file was deleted.
        case checksumMismatch(file: String, url: String, expected: [String], actual: String)
        /// Every mirror failed; each attempt's failure in order.
        case allMirrorsFailed(file: String, failures: [Reason])
        /// A URL that cannot be used.
        case invalidURL(String)
        /// The cache folder or a file in it could not be written.
        case cache(String)
        /// An archive member is missing or the archive is damaged.
        case archive(String)

        public var description: String {
            switch self {
            case let .offline(cache):
                return "not in the cache (\(cache)), and offline mode forbids downloading it"
            case let .httpStatus(status, url):
                return "\(url): HTTP status \(status)"
            case let .timeout(seconds, url):
                return "\(url): timed out (no data for \(Self.format(seconds)) s)"
            case let .transfer(message, url):
                return "\(url): \(message)"
            case let .checksumMismatch(file, url, expected, actual):
                return "\(file) from \(url): SHA-256 \(actual) is not the published \(expected.joined(separator: " or ")); the download was deleted"
            case let .allMirrorsFailed(file, failures):
                return "\(file) could not be fetched from any mirror:\n" + failures.map { "  - \($0)" }.joined(separator: "\n")
            case let .invalidURL(text):
                return "invalid URL \"\(text)\""
            case let .cache(message):
                return message
            case let .archive(message):
                return message
            }
        }

        private static func format(_ seconds: Double) -> String {
            seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
        }
    }

    /// What went wrong, naming the data set.
    public var message: String {
        guard let dataset else { return reason.description }
        return "\(dataset): \(reason)"
    }
}
