import Backprop
import Testing
@testable import BackpropCore
@testable import BackpropData

@Suite("NumPy loader")
struct NumPyLoaderTests {
    @Test(arguments: [UInt8(1), 2, 3]) func readsEveryVersion(major: UInt8) throws {
        let bytes = NPYBuilder.file(descr: "<f4", shape: [2, 3], data: NPYBuilder.float32([1, 2, 3, 4, 5, 6.5]), major: major)
        let array = try NumPyLoader.parse(bytes, file: "a.npy")
        #expect(array.shape == [2, 3])
        let matrix: Matrix<Double> = try array.matrix()
        #expect(matrix.elements == [1, 2, 3, 4, 5, 6.5])
    }

    @Test func readsEveryElementType() throws {
        let cases: [(String, [UInt8])] = [
            ("<f8", NPYBuilder.float64([1.5, -2])), ("|u1", [7, 255]), ("<i4", NPYBuilder.int32([-3, 40])),
            ("<i8", NPYBuilder.int64([5, -6])), ("<f4", NPYBuilder.float32([0.25, 8])),
        ]
        let expected: [[Double]] = [[1.5, -2], [7, 255], [-3, 40], [5, -6], [0.25, 8]]
        for ((descr, data), values) in zip(cases, expected) {
            let array = try NumPyLoader.parse(NPYBuilder.file(descr: descr, shape: [2], data: data), file: "t.npy")
            #expect(array.rowCount == 2 && array.columnCount == 1)
            #expect([array.value(at: 0), array.value(at: 1)] == values, "\(descr)")
        }
    }

    @Test func flattensImagesAndLoadsClassificationPair() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let features = try folder.write("x.npy", NPYBuilder.file(descr: "|u1", shape: [3, 2, 2], data: Array(0..<12)))
        let targets = try folder.write("y.npy", NPYBuilder.file(descr: "<i8", shape: [3], data: NPYBuilder.int64([2, 0, 1])))
        let set: Dataset<Float> = try NumPyLoader.loadDataset(features: features, targets: targets)
        #expect(set.featureCount == 4)
        #expect(set.features.row(2) == [8, 9, 10, 11])
        #expect(set.labels == [2, 0, 1])
        #expect(set.outputCount == 3)
    }

    @Test func floatTargetsMakeRegression() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let features = try folder.write("x.npy", NPYBuilder.file(descr: "<f8", shape: [2, 1], data: NPYBuilder.float64([1, 2])))
        let targets = try folder.write("y.npy", NPYBuilder.file(descr: "<f4", shape: [2, 2], data: NPYBuilder.float32([0.5, 1, 1.5, 2])))
        let set: Dataset<Double> = try NumPyLoader.loadDataset(features: features, targets: targets)
        #expect(!set.isClassification)
        #expect(set.targets.elements == [0.5, 1, 1.5, 2])
    }

    // MARK: - Corruption

    @Test func emptyAndWrongMagic() {
        #expect(dataError { _ = try NumPyLoader.parse([], file: "e.npy") }?.reason == .emptyFile)
        let wrong = dataError { _ = try NumPyLoader.parse(Array("PK\u{3}\u{4}notnumpyatall".utf8), file: "w.npy") }
        guard case .wrongMagic? = wrong?.reason else { Issue.record("wrong reason \(String(describing: wrong))"); return }
    }

    @Test func truncatedDataNamesTheRecord() {
        let bytes = NPYBuilder.file(descr: "<f4", shape: [3, 2], data: NPYBuilder.float32([1, 2, 3, 4, 5, 6]))
        let error = dataError { _ = try NumPyLoader.parse(Array(bytes.dropLast(5)), file: "t.npy") }
        #expect(error?.reason == .truncated(expectedBytes: bytes.count, actualBytes: bytes.count - 5))
        #expect(error?.location == .record(2))
        let header = dataError { _ = try NumPyLoader.parse(Array(bytes.prefix(40)), file: "t.npy") }
        guard case .truncated? = header?.reason else { Issue.record("cut header accepted"); return }
    }

    @Test func fortranOrderBigEndianAndUnknownTypesAreRejected() {
        let fortran = dataError { _ = try NumPyLoader.parse(NPYBuilder.file(descr: "<f4", shape: [1, 1], data: NPYBuilder.float32([1]), fortran: true), file: "f.npy") }
        guard case .unsupported(let message)? = fortran?.reason else { Issue.record("Fortran order accepted"); return }
        #expect(message.contains("Fortran"))
        let bigEndian = dataError { _ = try NumPyLoader.parse(NPYBuilder.file(descr: ">f8", shape: [1], data: [0, 0, 0, 0, 0, 0, 0, 0]), file: "b.npy") }
        guard case .unsupported(let text)? = bigEndian?.reason else { Issue.record("big-endian accepted"); return }
        #expect(text.contains("big-endian"))
        let complex = dataError { _ = try NumPyLoader.parse(NPYBuilder.file(descr: "<c8", shape: [1], data: Array(repeating: 0, count: 8)), file: "c.npy") }
        guard case .unsupported? = complex?.reason else { Issue.record("complex accepted"); return }
        let version = dataError { _ = try NumPyLoader.parse(NPYBuilder.file(descr: "<f4", shape: [1], data: NPYBuilder.float32([1]), major: 9), file: "v.npy") }
        guard case .unsupported? = version?.reason else { Issue.record("version 9 accepted"); return }
    }

    @Test func labelOutOfRangeAndRowMismatch() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let features = try folder.write("x.npy", NPYBuilder.file(descr: "<f4", shape: [2, 1], data: NPYBuilder.float32([1, 2])))
        let negative = try folder.write("y.npy", NPYBuilder.file(descr: "<i4", shape: [2], data: NPYBuilder.int32([0, -4])))
        let error = dataError { let _: Dataset<Float> = try NumPyLoader.loadDataset(features: features, targets: negative) }
        #expect(error?.reason == .labelOutOfRange(label: -4, classCount: nil))
        #expect(error?.location == .record(1))
        let tooMany = try folder.write("z.npy", NPYBuilder.file(descr: "<i4", shape: [3], data: NPYBuilder.int32([0, 1, 1])))
        guard case .mismatch? = dataError({ let _: Dataset<Float> = try NumPyLoader.loadDataset(features: features, targets: tooMany) })?.reason else {
            Issue.record("row mismatch accepted"); return
        }
    }
}
