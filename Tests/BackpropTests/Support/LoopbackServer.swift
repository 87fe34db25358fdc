import Foundation

/// `Tests/Scripts/loopback_server.py` started on 127.0.0.1 for one test: it serves the
/// files of a folder with scripted faults (see the script) and logs every request.
final class LoopbackServer {
    /// The package root, found from this file's path.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The Python interpreter, or `nil` (the tests that need the server then skip).
    static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3", "/opt/homebrew/bin/python3"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
        ?? (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            .map { $0 + "/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }

    /// `true` when Python is there; prints why a test is skipped otherwise.
    static var isAvailable: Bool {
        if python == nil { print("loopback HTTP tests skipped: python3 is not installed") }
        return python != nil
    }

    /// The folder of the real MNIST files (`$BACKPROP_MNIST_DIR`, else `../shared/data/mnist`
    /// beside the package), or `nil` with a printed reason.
    static var sharedDataFolder: String? {
        var candidates: [String] = []
        if let mnist = ProcessInfo.processInfo.environment["BACKPROP_MNIST_DIR"], !mnist.isEmpty {
            candidates.append(URL(fileURLWithPath: mnist).deletingLastPathComponent().path)
        }
        var folder = packageRoot
        for _ in 0..<3 {
            candidates.append(folder.appendingPathComponent("../shared/data").standardized.path)
            folder = folder.deletingLastPathComponent()
        }
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0 + "/mnist/train-images-idx3-ubyte.gz") }) {
            return found
        }
        print("MNIST fetch tests skipped: no mnist/ folder with the IDX files in \(candidates.joined(separator: ", "))")
        return nil
    }

    let root: URL
    let log: URL
    let port: Int
    private let process: Process

    /// Starts the server on the files under `root` (which it never writes to: two tests may
    /// serve the same folder at once), logging requests to a temporary file of its own.
    init(root: URL) throws {
        self.root = root
        log = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-loopback-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python!)
        process.arguments = [Self.packageRoot.appendingPathComponent("Tests/Scripts/loopback_server.py").path, root.path, log.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line += byte }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else { throw CocoaError(.fileReadCorruptFile) }
        self.port = port
    }

    /// `http://127.0.0.1:PORT/ROUTE`.
    func url(_ route: String) -> String { "http://127.0.0.1:\(port)/\(route)" }

    /// The requests so far, one "GET PATH RANGE" line each.
    var requests: [String] {
        (try? String(contentsOf: log, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
    }

    deinit {
        // Foundation's waitUntilExit can hang on Linux once the child is gone: signal and
        // reap it directly.
        let pid = process.processIdentifier
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        try? FileManager.default.removeItem(at: log)
    }
}
