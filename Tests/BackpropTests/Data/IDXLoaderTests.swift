import Backprop
import Testing
@testable import BackpropCore
@testable import BackpropData

@Suite("IDX and MNIST loader")
struct IDXLoaderTests {
    static let side = 3
    static let images: [[UInt8]] = [[0, 1, 2, 3, 4, 5, 6, 7, 255], [9, 8, 7, 6, 5, 4, 3, 2, 1]]

    func writeSet(_ folder: TemporaryFolder, gzip: Bool, labels: [UInt8] = [3, 9], testLabels: [UInt8] = [1, 2]) throws {
        func store(_ name: String, _ bytes: [UInt8]) throws {
            try folder.write(gzip ? name + ".gz" : name, gzip ? Gzip.compress(bytes) : bytes)
        }
        try store("train-images-idx3-ubyte", IDXBuilder.images(Self.images, side: Self.side))
        try store("train-labels-idx1-ubyte", IDXBuilder.labels(labels))
        try store("t10k-images-idx3-ubyte", IDXBuilder.images(Self.images.reversed(), side: Self.side))
        try store("t10k-labels-idx1-ubyte", IDXBuilder.labels(testLabels))
    }

    @Test(arguments: [false, true]) func readsRawAndGzipFolders(gzip: Bool) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try writeSet(folder, gzip: gzip)
        #expect(MNISTLoader.isAvailable(in: folder.url.path))
        let (train, test) = try MNISTLoader.load(directory: folder.url.path, as: Float.self)
        #expect(train.count == 2 && train.featureCount == 9 && train.outputCount == 10)
        #expect(train.features.row(0) == [0, 1, 2, 3, 4, 5, 6, 7, 255])
        #expect(train.labels == [3, 9])
        #expect(test.features.row(0) == Self.images[1].map(Float.init))
        #expect(test.labels == [1, 2])
    }

    @Test func gzipRoundTrip() throws {
        var random = RandomGenerator(seed: 3)
        let bytes = (0..<100_000).map { _ in UInt8(random.integer(below: 7)) }
        #expect(try Gzip.decompress(Gzip.compress(bytes), file: nil) == bytes)
        // Concatenated members decompress one after another, as gunzip does.
        let joined = Gzip.compress(Array(bytes[..<500])) + Gzip.compress(Array(bytes[500...])) + [0, 0]
        #expect(try Gzip.decompress(joined, file: nil) == bytes)
        var corrupt = Gzip.compress(bytes)
        corrupt[corrupt.count / 2] ^= 0xFF
        corrupt[corrupt.count / 2 + 1] ^= 0xFF
        #expect(throws: DataError.self) { try Gzip.decompress(corrupt, file: "c.gz") }
    }

    // MARK: - Corruption

    @Test func wrongMagic() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = try folder.write("labels", IDXBuilder.labels([1, 2]))
        let error = dataError { _ = try IDXLoader.loadImages(path: path, as: Float.self) }
        guard case .wrongMagic? = error?.reason else { Issue.record("wrong reason \(String(describing: error))"); return }
        #expect(error?.file == path)
        #expect(error?.location == .byte(0))
    }

    @Test func truncatedImagesNameTheRecord() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let full = IDXBuilder.images(Self.images, side: Self.side)
        let path = try folder.write("images", Array(full.dropLast(4)))
        let error = dataError { _ = try IDXLoader.loadImages(path: path, as: Float.self) }
        #expect(error?.reason == .truncated(expectedBytes: full.count, actualBytes: full.count - 4))
        #expect(error?.location == .record(1))
        let header = try folder.write("short", Array(full.prefix(6)))
        let short = dataError { _ = try IDXLoader.loadImages(path: header, as: Float.self) }
        #expect(short?.reason == .truncated(expectedBytes: 16, actualBytes: 6))
    }

    @Test func truncatedGzipStream() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let compressed = Gzip.compress(IDXBuilder.images(Self.images, side: Self.side))
        let path = try folder.write("images.gz", Array(compressed.prefix(compressed.count / 2)))
        let error = dataError { _ = try IDXLoader.loadImages(path: path, as: Float.self) }
        guard case .malformed(let message)? = error?.reason else { Issue.record("wrong reason \(String(describing: error))"); return }
        #expect(message.contains("truncated"))
    }

    @Test func emptyFileAndTrailingBytes() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let empty = try folder.write("empty", [])
        #expect(dataError { _ = try IDXLoader.loadLabels(path: empty) }?.reason == .emptyFile)
        let long = try folder.write("long", IDXBuilder.labels([1]) + [7])
        guard case .malformed? = dataError({ _ = try IDXLoader.loadLabels(path: long) })?.reason else { Issue.record("trailing bytes accepted"); return }
    }

    @Test func labelOutOfRange() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = try folder.write("labels", IDXBuilder.labels([1, 2, 10]))
        let error = dataError { _ = try IDXLoader.loadLabels(path: path) }
        #expect(error?.reason == .labelOutOfRange(label: 10, classCount: 10))
        #expect(error?.location == .record(2))
    }

    @Test func countMismatchAndMissingFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try writeSet(folder, gzip: false, labels: [1, 2, 3])
        guard case .mismatch? = dataError({ _ = try MNISTLoader.load(directory: folder.url.path, as: Float.self) })?.reason else {
            Issue.record("count mismatch accepted"); return
        }
        let empty = try TemporaryFolder()
        defer { empty.remove() }
        #expect(!MNISTLoader.isAvailable(in: empty.url.path))
        guard case .unreadable? = dataError({ _ = try MNISTLoader.load(directory: empty.url.path, as: Float.self) })?.reason else {
            Issue.record("missing files accepted"); return
        }
    }
}
