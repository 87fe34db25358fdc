import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock on a file (`flock`), held from ``init(path:)`` until
/// ``unlock()`` or the process ends, so that two processes fetching the same file take
/// turns instead of writing it together.
public final class FileLock {
    private var descriptor: Int32

    /// Opens (creating it when needed) the lock file at `path` and waits for the lock.
    ///
    /// - Throws: ``DatasetFetchError`` when the file cannot be opened or locked.
    public init(path: String) throws {
        descriptor = open(path, O_RDWR | O_CREAT, 0o644)
        guard descriptor >= 0 else {
            throw DatasetFetchError(dataset: nil, reason: .cache("cannot open the lock file \(path): \(String(cString: strerror(errno)))"))
        }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                close(descriptor)
                throw DatasetFetchError(dataset: nil, reason: .cache("cannot lock \(path): \(String(cString: strerror(errno)))"))
            }
        }
    }

    /// Releases the lock.
    public func unlock() {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { unlock() }
}
