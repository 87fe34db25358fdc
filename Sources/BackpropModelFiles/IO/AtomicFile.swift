import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing files so that a reader never sees a half-written file and a failure never
/// destroys the previous version: the bytes go to a temporary file in the same folder,
/// which is then renamed over the destination (`rename(2)`, atomic within a file system).
public enum AtomicFile {
    /// Writes `data` to `url` atomically, creating missing parent folders.
    ///
    /// - Throws: ``ModelFileError/unreadable(file:detail:)`` when the folder or file cannot
    ///   be written.
    public static func write(_ data: Data, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try data.write(to: temporary)
            guard rename(temporary.path, url.path) == 0 else {
                throw ModelFileError.unreadable(file: url.path, detail: "cannot replace: \(String(cString: strerror(errno)))")
            }
        } catch let error as ModelFileError {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw ModelFileError.unreadable(file: url.path, detail: "cannot write: \(error.localizedDescription)")
        }
    }

    /// Writes `text` as UTF-8 to `url` atomically.
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }
}
