import Foundation

/// The one rule of every command that writes a folder: it must be new or empty, unless
/// `--force` is given — never a silent merge into someone's files.
enum OutputFolder {
    /// Throws unless `path` is missing, an empty folder, or `force` is set.
    ///
    /// - Parameters:
    ///   - path: The folder the command will write.
    ///   - flag: The option that named it, e.g. `--out`.
    ///   - force: Whether `--force` was given.
    ///   - alternatives: What else the user may do, appended to the message.
    static func check(_ path: String, flag: String = "--out", force: Bool, alternatives: String = "choose a new folder or replace its files with --force") throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return }
        guard isFolder.boolValue else { throw CommandFailure(message: "\(flag) \(path) is a file, not a folder") }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        if !contents.isEmpty, !force {
            throw CommandFailure(message: "\(flag) \(path) exists and is not empty; \(alternatives)")
        }
    }
}
