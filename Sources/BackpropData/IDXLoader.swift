import Foundation
import BackpropCore

/// Reading IDX files, the format of MNIST and Fashion-MNIST (raw or gzip-compressed).
///
/// An IDX file starts with a 32-bit big-endian magic number `0x0000TTDD` — `TT` the
/// element type (`0x08` = unsigned byte, the only one supported), `DD` the number of
/// dimensions — followed by one big-endian 32-bit size per dimension and the elements in
/// row-major order. MNIST images have magic 2051 (`0x803`, 3 dimensions: count × rows ×
/// columns), labels 2049 (`0x801`, 1 dimension: count).
public enum IDXLoader {
    /// The magic number of an unsigned-byte, three-dimensional image file.
    public static let imageMagic: UInt32 = 2051
    /// The magic number of an unsigned-byte, one-dimensional label file.
    public static let labelMagic: UInt32 = 2049

    /// A decoded IDX array of unsigned bytes.
    public struct Array: Sendable {
        /// The sizes of the dimensions, outermost first.
        public var dimensions: [Int]
        /// The elements, row-major.
        public var bytes: [UInt8]
        /// The offset of the first element in the file.
        public var dataOffset: Int
    }

    /// Parses an IDX file's content; `expectedMagic` pins the type and dimension count.
    ///
    /// - Throws: ``DataError`` for an empty file, a wrong magic number, a header cut short
    ///   or fewer (or more) element bytes than the dimensions announce.
    public static func parse(_ bytes: [UInt8], expectedMagic: UInt32, file: String) throws -> Array {
        if bytes.isEmpty { throw DataError(file: file, reason: .emptyFile) }
        guard bytes.count >= 4 else {
            throw DataError(file: file, reason: .truncated(expectedBytes: 4, actualBytes: bytes.count))
        }
        let magic = readBigEndian(bytes, at: 0)
        guard magic == expectedMagic else {
            throw DataError(file: file, location: .byte(0),
                            reason: .wrongMagic(expected: "\(expectedMagic) (0x\(String(expectedMagic, radix: 16)))",
                                                found: "\(magic) (0x\(String(magic, radix: 16)))"))
        }
        let dimensionCount = Int(magic & 0xFF)
        let headerSize = 4 + 4 * dimensionCount
        guard bytes.count >= headerSize else {
            throw DataError(file: file, reason: .truncated(expectedBytes: headerSize, actualBytes: bytes.count))
        }
        let dimensions = (0..<dimensionCount).map { Int(readBigEndian(bytes, at: 4 + 4 * $0)) }
        // The product is checked: 3 dimensions of 2³² − 1 overflow Int.
        guard let elementCount = ResourceLimits.product(dimensions), elementCount <= Int.max - headerSize else {
            throw DataError(file: file, location: .byte(4),
                            reason: .malformed("the header announces \(dimensions.map(String.init).joined(separator: " × ")) elements, more than a 64-bit integer counts; the file holds \(bytes.count) bytes"))
        }
        let expected = headerSize + elementCount
        guard bytes.count >= expected else {
            let recordSize = max(1, ResourceLimits.product(dimensions.dropFirst()) ?? 1)
            throw DataError(file: file, location: .record((bytes.count - headerSize) / recordSize),
                            reason: .truncated(expectedBytes: expected, actualBytes: bytes.count))
        }
        guard bytes.count == expected else {
            throw DataError(file: file, location: .byte(expected),
                            reason: .malformed("\(bytes.count - expected) bytes after the \(elementCount) elements announced by the header"))
        }
        return Array(dimensions: dimensions, bytes: Swift.Array(bytes[headerSize...]), dataOffset: headerSize)
    }

    /// Reads an image file (magic 2051) into an `count × (rows·columns)` matrix of raw
    /// pixel values 0…255, one flattened image per row.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public static func loadImages<Scalar: NetworkScalar>(path: String, as _: Scalar.Type = Scalar.self) throws -> (images: Matrix<Scalar>, rows: Int, columns: Int) {
        let array = try parse(DataFile.decompressedBytes(at: path), expectedMagic: imageMagic, file: path)
        let (count, rows, columns) = (array.dimensions[0], array.dimensions[1], array.dimensions[2])
        let pixels = rows * columns  // bounded by the file size, checked in `parse`
        guard pixels > 0 else {
            throw DataError(file: path, location: .byte(8), reason: .malformed("images of size \(rows)×\(columns)"))
        }
        try ResourceLimits.bytes(for: [count, pixels], elementSize: MemoryLayout<Scalar>.stride, what: "the images", file: path)
        let matrix = Matrix<Scalar>(rows: count, columns: pixels)
        array.bytes.withUnsafeBufferPointer { source in
            for index in 0..<(count * pixels) { matrix.base[index] = Scalar(source[index]) }
        }
        return (matrix, rows, columns)
    }

    /// Reads a label file (magic 2049); every label must be below `classCount`.
    public static func loadLabels(path: String, classCount: Int = 10) throws -> [Int] {
        let array = try parse(DataFile.decompressedBytes(at: path), expectedMagic: labelMagic, file: path)
        var labels: [Int] = []
        labels.reserveCapacity(array.bytes.count)
        for (record, byte) in array.bytes.enumerated() {
            guard Int(byte) < classCount else {
                throw DataError(file: path, location: .record(record), reason: .labelOutOfRange(label: Int(byte), classCount: classCount))
            }
            labels.append(Int(byte))
        }
        return labels
    }

    static func readBigEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }
}

// MARK: - MNIST

/// The MNIST (or Fashion-MNIST) training and test sets read from a folder holding the four
/// standard IDX files, gzip-compressed (`train-images-idx3-ubyte.gz`) or raw.
public enum MNISTLoader {
    /// The four standard file names, without `.gz`.
    public static let fileNames = (
        trainImages: "train-images-idx3-ubyte", trainLabels: "train-labels-idx1-ubyte",
        testImages: "t10k-images-idx3-ubyte", testLabels: "t10k-labels-idx1-ubyte")

    /// The path of `name` in `directory`: the raw file when present, else `name.gz`, else
    /// the dotted variant (`train-images.idx3-ubyte`) some mirrors use.
    public static func locate(_ name: String, in directory: String) throws -> String {
        let folder = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        let dotted = name.replacingFirst("-idx", with: ".idx")
        let candidates = [name, name + ".gz", dotted, dotted + ".gz"].map { folder + "/" + $0 }
        if let found = candidates.first(where: fileExists) { return found }
        throw DataError(file: folder + "/" + name + "[.gz]", reason: .unreadable("no such file in \(folder)"))
    }

    /// `true` when all four files can be found in `directory`.
    public static func isAvailable(in directory: String) -> Bool {
        [fileNames.trainImages, fileNames.trainLabels, fileNames.testImages, fileNames.testLabels]
            .allSatisfy { (try? locate($0, in: directory)) != nil }
    }

    /// The training and test sets with raw pixel values 0…255 (scale them with a
    /// preprocessing step such as ``PreprocessingMethod/mnistPixels``) and ten classes.
    ///
    /// - Throws: ``DataError`` when a file is missing or malformed, or when an image file
    ///   and its label file disagree on the count.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public static func load<Scalar: NetworkScalar>(directory: String, as _: Scalar.Type = Scalar.self) throws -> (train: Dataset<Scalar>, test: Dataset<Scalar>) {
        let train = try loadPair(images: locate(fileNames.trainImages, in: directory), labels: locate(fileNames.trainLabels, in: directory), as: Scalar.self)
        let testImages = try locate(fileNames.testImages, in: directory)
        let test = try loadPair(images: testImages, labels: locate(fileNames.testLabels, in: directory), as: Scalar.self)
        guard test.featureCount == train.featureCount else {
            throw DataError(file: testImages, reason: .mismatch("test images of \(test.featureCount) pixels, training images of \(train.featureCount)"))
        }
        return (train, test)
    }

    /// One image file with its label file.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public static func loadPair<Scalar: NetworkScalar>(images: String, labels: String, as _: Scalar.Type = Scalar.self) throws -> Dataset<Scalar> {
        let pixels = try IDXLoader.loadImages(path: images, as: Scalar.self).images
        let classes = try IDXLoader.loadLabels(path: labels)
        guard classes.count == pixels.rows else {
            throw DataError(file: labels, reason: .mismatch("\(classes.count) labels for \(pixels.rows) images in \(images)"))
        }
        return try Dataset(features: pixels, labels: classes, classCount: 10)
    }

    private static func fileExists(_ path: String) -> Bool {
        FileManagerBridge.fileExists(path)
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
