import Backprop
import Foundation
import Testing
@testable import BackpropData

/// Reads the real MNIST files from `$BACKPROP_MNIST_DIR`, or else from the conventional
/// folder beside the package (see ``directory``), when they are present.
@Suite("MNIST files")
struct MNISTFilesTests {
    /// The package root, found from this file's path.
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // Data
            .deletingLastPathComponent()  // BackpropTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // package root
    }

    /// `$BACKPROP_MNIST_DIR` when set; else `<package>/../shared/data/mnist`, or the first
    /// `shared/data/mnist` beside a folder further up (for checkouts nested one level deeper).
    static var directory: String {
        if let override = ProcessInfo.processInfo.environment["BACKPROP_MNIST_DIR"], !override.isEmpty { return override }
        var folder = packageRoot
        let first = folder.appendingPathComponent("../shared/data/mnist").standardized.path
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("../shared/data/mnist").standardized.path
            if MNISTLoader.isAvailable(in: candidate) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return first
    }

    static var isPresent: Bool {
        let present = MNISTLoader.isAvailable(in: directory)
        if !present { print("MNIST files test skipped: the four MNIST IDX files are not in \(directory)") }
        return present
    }

    @Test(.enabled(if: MNISTFilesTests.isPresent, "the MNIST files are not present"))
    func readsTheStandardSets() throws {
        let (train, test) = try MNISTLoader.load(directory: Self.directory, as: Float.self)
        #expect(train.count == 60_000 && test.count == 10_000)
        #expect(train.featureCount == 784 && train.outputCount == 10)
        // Label counts from the data folder's README.
        #expect(train.classHistogram() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])
        #expect(test.classHistogram() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
        let statistics = DatasetSummary(train).features
        #expect(statistics.map(\.minimum).min() == 0 && statistics.map(\.maximum).max() == 255)
        // Pixels are row-major: the border pixels of MNIST digits are background.
        #expect(train.features.row(0).prefix(28).allSatisfy { $0 == 0 })
    }
}
