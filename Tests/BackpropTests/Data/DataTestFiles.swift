import Backprop
import Foundation
import Testing
@testable import BackpropData

/// A fresh temporary folder for test files, removed by `remove()`.
struct TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-data-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Writes `bytes` to `name` in the folder (atomically) and returns the path.
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = url.appendingPathComponent(name)
        try Data(bytes).write(to: file, options: .atomic)
        return file.path
    }

    /// Writes UTF-8 `text` to `name` and returns the path.
    @discardableResult
    func write(_ name: String, text: String) throws -> String {
        try write(name, Array(text.utf8))
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// The `DataError` thrown by `body`, or `nil` (recorded as a failure) when it throws
/// nothing or something else.
func dataError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> DataError? {
    do {
        try body()
        Issue.record("expected a DataError, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as DataError {
        return error
    } catch {
        Issue.record("expected a DataError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

// MARK: - File builders

enum IDXBuilder {
    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    static func images(_ pixels: [[UInt8]], side: Int) -> [UInt8] {
        bigEndian(2051) + bigEndian(UInt32(pixels.count)) + bigEndian(UInt32(side)) + bigEndian(UInt32(side)) + pixels.flatMap { $0 }
    }

    static func labels(_ labels: [UInt8]) -> [UInt8] {
        bigEndian(2049) + bigEndian(UInt32(labels.count)) + labels
    }
}

enum NPYBuilder {
    /// A `.npy` file (version `major`) with the given descriptor, shape and raw data.
    static func file(descr: String, shape: [Int], data: [UInt8], fortran: Bool = false, major: UInt8 = 1) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shapeText), }"
        let prefix = major == 1 ? 10 : 12
        while (prefix + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let length = header.utf8.count
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [major, 0]
        if major == 1 {
            bytes += [UInt8(length & 0xFF), UInt8(length >> 8)]
        } else {
            bytes += [UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 24)]
        }
        return bytes + Array(header.utf8) + data
    }

    static func float32(_ values: [Float]) -> [UInt8] {
        values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian) { Array($0) } }
    }

    static func float64(_ values: [Double]) -> [UInt8] {
        values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian) { Array($0) } }
    }

    static func int32(_ values: [Int32]) -> [UInt8] {
        values.flatMap { withUnsafeBytes(of: $0.littleEndian) { Array($0) } }
    }

    static func int64(_ values: [Int64]) -> [UInt8] {
        values.flatMap { withUnsafeBytes(of: $0.littleEndian) { Array($0) } }
    }
}
