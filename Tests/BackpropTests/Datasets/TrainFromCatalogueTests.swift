import Backprop
import Foundation
import Testing

/// `backprop train --data mnist` run as its own process with a clean environment: an empty
/// cache (`BACKPROP_DATA`), no `BACKPROP_MNIST_DIR`, and the loopback server as `--mirror`.
@Suite("Training on a fetched data set")
struct TrainFromCatalogueTests {
    /// The `backprop` executable built beside the test bundle, or `nil` with a printed reason.
    static let executable: String? = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("backprop").path,
            LoopbackServer.packageRoot.appendingPathComponent(".build/debug/backprop").path,
        ]
        if let found = candidates.first(where: FileManager.default.isExecutableFile(atPath:)) { return found }
        print("training test skipped: no backprop executable in \(candidates.joined(separator: ", "))")
        return nil
    }()

    static var isPossible: Bool { LoopbackServer.isAvailable && LoopbackServer.sharedDataFolder != nil && executable != nil }

    @Test(.enabled(if: TrainFromCatalogueTests.isPossible, "needs python3, the MNIST files and the backprop executable"))
    func trainFetchesVerifiesCachesAndTrains() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-train-fetch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try LoopbackServer(root: URL(fileURLWithPath: LoopbackServer.sharedDataFolder!))
        var environment = ProcessInfo.processInfo.environment
        environment["BACKPROP_MNIST_DIR"] = nil
        environment["BACKPROP_MIRROR"] = nil
        environment["BACKPROP_DATA"] = folder.appendingPathComponent("cache").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable!)
        process.arguments = ["train", "--data", "mnist", "--mirror", server.url("files"), "--epochs", "1", "--layers", "784,8,10",
                             "--scale", "mnist", "--batch-size", "128", "--out", folder.appendingPathComponent("run").path]
        process.environment = environment
        process.currentDirectoryURL = folder
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let reported = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(printed)\n\(reported)")
        #expect(reported.contains("verified train-images-idx3-ubyte.gz (SHA-256)"))
        #expect(reported.contains("licence: CC BY-SA 3.0"))
        #expect(printed.contains("60000 training"))
        #expect(printed.contains("Trained 1 epochs"))
        #expect(DatasetCache(root: folder.appendingPathComponent("cache").path).isComplete(DatasetCatalogue.mnist))
        #expect(server.requests.count == 4)
    }
}
