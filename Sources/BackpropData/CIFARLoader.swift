import BackpropCore
import Foundation

/// The CIFAR-10 binary batches (`data_batch_1.bin` … `data_batch_5.bin`, `test_batch.bin`):
/// records of one label byte (0–9) followed by 3072 pixel bytes — the red, green and blue
/// 32×32 planes, each row by row. Each record becomes 3072 features with raw values 0…255
/// in that order.
public enum CIFARLoader {
    /// The bytes of one record: the label and the three colour planes.
    public static let recordSize = 1 + featureCount
    /// Features per image: 3 planes of 32×32.
    public static let featureCount = 3 * 32 * 32
    /// The five training batches.
    public static let trainFiles = (1...5).map { "data_batch_\($0).bin" }
    /// The test batch.
    public static let testFile = "test_batch.bin"
    /// The class names, by label.
    public static let classNames = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

    /// `true` when the six batch files are in `directory`.
    public static func isAvailable(in directory: String) -> Bool {
        (trainFiles + [testFile]).allSatisfy { FileManager.default.fileExists(atPath: directory + "/" + $0) }
    }

    /// The training set (the five training batches) and the test set.
    ///
    /// - Throws: ``DataError`` when a file is missing, empty, not a whole number of records,
    ///   or holds a label outside 0…9 (with its record).
    public static func load<Scalar: NetworkScalar>(directory: String, as _: Scalar.Type = Scalar.self) throws -> (train: Dataset<Scalar>, test: Dataset<Scalar>) {
        let train = try loadBatches(trainFiles.map { directory + "/" + $0 }, as: Scalar.self)
        let test = try loadBatches([directory + "/" + testFile], as: Scalar.self)
        return (train, test)
    }

    /// The records of the batch files at `paths`, one set.
    public static func loadBatches<Scalar: NetworkScalar>(_ paths: [String], as _: Scalar.Type = Scalar.self) throws -> Dataset<Scalar> {
        var pixels: [Scalar] = []
        var labels: [Int] = []
        for path in paths {
            let bytes = try DataFile.bytes(at: path)
            guard !bytes.isEmpty else { throw DataError(file: path, reason: .emptyFile) }
            guard bytes.count % recordSize == 0 else {
                let records = bytes.count / recordSize
                throw DataError(file: path, location: .record(records),
                                reason: .truncated(expectedBytes: (records + 1) * recordSize, actualBytes: bytes.count))
            }
            let count = bytes.count / recordSize
            pixels.reserveCapacity(pixels.count + count * featureCount)
            for record in 0..<count {
                let start = record * recordSize
                let label = Int(bytes[start])
                guard label < classNames.count else {
                    throw DataError(file: path, location: .record(record), reason: .labelOutOfRange(label: label, classCount: classNames.count))
                }
                labels.append(label)
                for offset in (start + 1)..<(start + recordSize) { pixels.append(Scalar(bytes[offset])) }
            }
        }
        let features = Matrix<Scalar>(rows: labels.count, columns: featureCount, elements: pixels)
        return try Dataset(features: features, labels: labels, classCount: classNames.count, classNames: classNames)
    }
}
