import Foundation

/// Runs the scripts of `Tests/Scripts` with the Python of the checks environment: the
/// `$BACKPROP_PYTHON` interpreter, or `.venv-checks/bin/python` at the package root, which
/// `scripts/python-checks-env` creates with onnx, onnxruntime, tensorboard and numpy.
enum PythonChecks {
    /// The package root, three folders above this file's folder.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The interpreter, or why there is none.
    static var python: Result<URL, SkipReason> {
        if let path = ProcessInfo.processInfo.environment["BACKPROP_PYTHON"], !path.isEmpty {
            return FileManager.default.isExecutableFile(atPath: path)
                ? .success(URL(fileURLWithPath: path)) : .failure(SkipReason("$BACKPROP_PYTHON (\(path)) is not an executable"))
        }
        let venv = packageRoot.appendingPathComponent(".venv-checks/bin/python")
        return FileManager.default.isExecutableFile(atPath: venv.path)
            ? .success(venv) : .failure(SkipReason("no Python checks environment (run scripts/python-checks-env, or set $BACKPROP_PYTHON)"))
    }

    /// Why a check was skipped.
    struct SkipReason: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// The JSON object the script `name` prints for `arguments`, or `nil` after printing why
    /// the check is skipped (no interpreter, or a package missing: exit status 3).
    static func run(_ name: String, _ arguments: [String], check: String) throws -> [String: Any]? {
        let python: URL
        switch Self.python {
        case let .success(url): python = url
        case let .failure(reason):
            print("Skipping \(check): \(reason)")
            return nil
        }
        let process = Process()
        process.executableURL = python
        process.arguments = [packageRoot.appendingPathComponent("Tests/Scripts/\(name)").path] + arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let bytes = output.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus == 3 {
            print("Skipping \(check): \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
            return nil
        }
        guard process.terminationStatus == 0 else {
            throw SkipReason("\(name) failed with status \(process.terminationStatus): \(message)")
        }
        return try JSONSerialization.jsonObject(with: bytes) as? [String: Any]
    }

    /// Writes `values` as little-endian float32 to `url`.
    static func writeFloats(_ values: [Float], to url: URL) throws {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 4)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        try Data(bytes).write(to: url)
    }
}
