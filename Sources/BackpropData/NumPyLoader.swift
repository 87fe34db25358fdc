import Foundation
import BackpropCore

/// Reading NumPy `.npy` files, so arrays come straight from Python (`numpy.save`).
///
/// Supported: format versions 1.0, 2.0 and 3.0; little-endian (or byte-sized) element
/// types `float32` (`<f4`), `float64` (`<f8`), `uint8` (`|u1`), `int32` (`<i4`), `int64`
/// (`<i8`); C (row-major) order. A 1-D array of length `m` is read as `m × 1`, an array of
/// shape `(m, d₁, d₂, …)` as `m × (d₁·d₂·…)` (images are flattened). Fortran order,
/// big-endian data and other element types are rejected with a message saying so.
public enum NumPyLoader {
    /// An element type of a `.npy` file.
    public enum ElementType: String, Sendable, CaseIterable {
        /// `<f4`: IEEE single precision.
        case float32 = "f4"
        /// `<f8`: IEEE double precision.
        case float64 = "f8"
        /// `|u1`: unsigned byte.
        case uint8 = "u1"
        /// `<i4`: 32-bit signed integer.
        case int32 = "i4"
        /// `<i8`: 64-bit signed integer.
        case int64 = "i8"

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .uint8: return 1
            case .float32, .int32: return 4
            case .float64, .int64: return 8
            }
        }

        /// `true` for the integer types.
        public var isInteger: Bool { self == .uint8 || self == .int32 || self == .int64 }
    }

    /// A parsed `.npy` array: its shape, element type and raw little-endian bytes.
    public struct Array: Sendable {
        /// The shape as written in the header.
        public var shape: [Int]
        /// The element type.
        public var elementType: ElementType
        /// The element bytes, C order.
        public var data: [UInt8]
        /// The file the array came from (for error messages).
        public var file: String

        /// The number of rows: the first dimension (1 for a 0-d array).
        public var rowCount: Int { shape.first ?? 1 }
        /// The product of the remaining dimensions (1 for a 1-D array).
        public var columnCount: Int { shape.dropFirst().reduce(1, *) }

        /// Element `index` (flat, C order) as a `Double`.
        public func value(at index: Int) -> Double {
            let offset = index * elementType.size
            return data.withUnsafeBytes { raw in
                switch elementType {
                case .uint8: return Double(raw[offset])
                case .float32: return Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))))
                case .float64: return Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
                case .int32: return Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
                case .int64: return Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int64.self)))
                }
            }
        }

        /// Element `index` of an integer array, exactly (an `int64` beyond 2⁵³ is not
        /// rounded through `Double`).
        public func integer(at index: Int) -> Int {
            let offset = index * elementType.size
            return data.withUnsafeBytes { raw in
                switch elementType {
                case .int64: return Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int64.self)))
                case .int32: return Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
                case .uint8: return Int(raw[offset])
                case .float32, .float64:
                    let value = self.value(at: index)
                    return value.isFinite && abs(value) < 9e18 ? Int(value) : -1
                }
            }
        }

        /// The array as a `rowCount × columnCount` matrix.
        @_specialize(exported: true, where Scalar == Float)
        @_specialize(exported: true, where Scalar == Double)
        public func matrix<Scalar: NetworkScalar>(as _: Scalar.Type = Scalar.self) throws -> Matrix<Scalar> {
            try ResourceLimits.bytes(for: [rowCount, columnCount], elementSize: MemoryLayout<Scalar>.stride, what: "the array", file: file)
            let result = Matrix<Scalar>(rows: rowCount, columns: columnCount)
            for index in 0..<(rowCount * columnCount) {
                let value = self.value(at: index)
                guard value.isFinite else {
                    throw DataError(file: file, location: .record(index / max(columnCount, 1)), reason: .nonNumeric("\(value)"))
                }
                guard Scalar(value).isFinite else {
                    throw DataError(file: file, location: .record(index / max(columnCount, 1)), reason: .outOfRange(value: "\(value)", type: Scalar.typeDescription))
                }
                result.base[index] = Scalar(value)
            }
            return result
        }
    }

    /// The magic string that opens every `.npy` file.
    public static let magic: [UInt8] = [0x93] + Swift.Array("NUMPY".utf8)

    /// Reads and parses the file at `path`.
    public static func load(path: String) throws -> Array {
        try parse(DataFile.bytes(at: path), file: path)
    }

    /// Parses the content of a `.npy` file.
    ///
    /// - Throws: ``DataError`` for an empty or truncated file, a wrong magic string, an
    ///   unknown version, a malformed header, Fortran order, big-endian or unsupported
    ///   element types, or trailing bytes.
    public static func parse(_ bytes: [UInt8], file: String) throws -> Array {
        if bytes.isEmpty { throw DataError(file: file, reason: .emptyFile) }
        guard bytes.count >= 10 else { throw DataError(file: file, reason: .truncated(expectedBytes: 10, actualBytes: bytes.count)) }
        guard Swift.Array(bytes[0..<6]) == magic else {
            throw DataError(file: file, location: .byte(0), reason: .wrongMagic(expected: "\\x93NUMPY", found: bytes[0..<6].map { String(format2: $0) }.joined(separator: " ")))
        }
        let major = Int(bytes[6])
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw DataError(file: file, reason: .truncated(expectedBytes: 12, actualBytes: bytes.count)) }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw DataError(file: file, location: .byte(6), reason: .unsupported("format version \(major).\(bytes[7]) (1, 2 and 3 are supported)"))
        }
        let dataStart = headerStart + headerLength
        guard bytes.count >= dataStart else {
            throw DataError(file: file, reason: .truncated(expectedBytes: dataStart, actualBytes: bytes.count))
        }
        let header = String(decoding: bytes[headerStart..<dataStart], as: UTF8.self)
        let (elementType, shape) = try parseHeader(header, file: file)
        // Checked: a shape such as (2**40, 2**40) overflows Int, and so does the row of
        // (0, 2**40, 2**40) although its total is 0 (the row is what the matrix is built from).
        guard let dataBytes = ResourceLimits.product(shape + [elementType.size]), dataBytes <= Int.max - dataStart,
              ResourceLimits.product(shape.dropFirst() + [elementType.size]) != nil else {
            throw DataError(file: file, location: .byte(10),
                            reason: .malformed("the header announces shape \(shape), more bytes than a 64-bit integer counts; the file holds \(bytes.count) bytes"))
        }
        let expected = dataStart + dataBytes
        guard bytes.count >= expected else {
            let rowBytes = max(1, ResourceLimits.product(shape.dropFirst() + [elementType.size]) ?? 1)
            throw DataError(file: file, location: .record((bytes.count - dataStart) / rowBytes),
                            reason: .truncated(expectedBytes: expected, actualBytes: bytes.count))
        }
        guard bytes.count == expected else {
            throw DataError(file: file, location: .byte(expected), reason: .malformed("\(bytes.count - expected) bytes after the data announced by the header"))
        }
        return Array(shape: shape, elementType: elementType, data: Swift.Array(bytes[dataStart...]), file: file)
    }

    // MARK: - Header

    /// Parses the header dictionary, e.g. `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
    static func parseHeader(_ header: String, file: String) throws -> (ElementType, [Int]) {
        func malformed(_ message: String) -> DataError {
            DataError(file: file, location: .byte(10), reason: .malformed("header \(header.trimmingSpaces): \(message)"))
        }
        func value(of key: String) throws -> Substring {
            guard let keyRange = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else { throw malformed("no '\(key)' entry") }
            var rest = header[keyRange.upperBound...].drop { $0 == " " }
            guard rest.first == ":" else { throw malformed("no ':' after '\(key)'") }
            rest = rest.dropFirst().drop { $0 == " " }
            return rest
        }
        // descr
        let descrRest = try value(of: "descr")
        guard let quote = descrRest.first, quote == "'" || quote == "\"" else { throw malformed("'descr' is not a string") }
        let descrBody = descrRest.dropFirst()
        guard let end = descrBody.firstIndex(of: quote) else { throw malformed("unterminated 'descr'") }
        let descr = String(descrBody[..<end])
        // fortran_order
        let fortranRest = try value(of: "fortran_order")
        if fortranRest.hasPrefix("True") {
            throw DataError(file: file, location: .byte(10), reason: .unsupported("Fortran (column-major) order; save the array in C order (numpy.ascontiguousarray) first"))
        }
        guard fortranRest.hasPrefix("False") else { throw malformed("'fortran_order' is neither True nor False") }
        // shape
        let shapeRest = try value(of: "shape")
        guard shapeRest.first == "(", let close = shapeRest.firstIndex(of: ")") else { throw malformed("'shape' is not a tuple") }
        let inside = shapeRest[shapeRest.index(after: shapeRest.startIndex)..<close]
        var shape: [Int] = []
        for part in inside.split(separator: ",") {
            let text = part.trimmingSpaces
            if text.isEmpty { continue }
            guard let size = Int(text.hasSuffix("L") ? String(text.dropLast()) : text), size >= 0 else { throw malformed("shape entry \"\(text)\"") }
            shape.append(size)
        }
        // element type
        guard descr.count >= 3 else { throw malformed("element type \"\(descr)\"") }
        let order = descr.first!
        let code = String(descr.dropFirst())
        guard let elementType = ElementType(rawValue: code) else {
            throw DataError(file: file, location: .byte(10), reason: .unsupported("element type \"\(descr)\" (float32, float64, uint8, int32 and int64 are supported)"))
        }
        if order == ">" && elementType.size > 1 {
            throw DataError(file: file, location: .byte(10), reason: .unsupported("big-endian element type \"\(descr)\"; save little-endian data (numpy astype('<\(code)'))"))
        }
        guard "<|=".contains(order) || order == ">" else { throw malformed("byte order \"\(order)\"") }
        return (elementType, shape)
    }

    // MARK: - Datasets

    /// A dataset from a features file and a targets file with the same number of rows.
    ///
    /// Integer targets (1-D or one column) are class labels `0…C−1` with `C` the largest
    /// label plus one (or `classCount` when given); floating-point targets with one or
    /// more columns make a regression set.
    ///
    /// - Throws: ``DataError`` for malformed files, differing row counts, or a negative or
    ///   too-large label (naming its record).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public static func loadDataset<Scalar: NetworkScalar>(features featuresPath: String, targets targetsPath: String,
                                                          classCount: Int? = nil, as _: Scalar.Type = Scalar.self) throws -> Dataset<Scalar> {
        let featureArray = try load(path: featuresPath)
        let targetArray = try load(path: targetsPath)
        guard featureArray.shape.count >= 1 else {
            throw DataError(file: featuresPath, reason: .malformed("a 0-dimensional array cannot hold examples"))
        }
        guard featureArray.rowCount == targetArray.rowCount, targetArray.shape.count >= 1 else {
            throw DataError(file: targetsPath, reason: .mismatch("\(targetArray.rowCount) target rows for \(featureArray.rowCount) feature rows in \(featuresPath)"))
        }
        guard featureArray.rowCount > 0 else { throw DataError(file: featuresPath, reason: .noRecords) }
        let features: Matrix<Scalar> = try featureArray.matrix()
        if targetArray.elementType.isInteger {
            guard targetArray.columnCount == 1 else {
                throw DataError(file: targetsPath, reason: .unsupported("integer targets must be one label per row, found \(targetArray.columnCount) columns"))
            }
            let labels = (0..<targetArray.rowCount).map { targetArray.integer(at: $0) }
            let count = try ResourceLimits.classCount(labels: labels, given: classCount, file: targetsPath) { .record($0) }
            for (record, label) in labels.enumerated() where label < 0 || label >= count {
                throw DataError(file: targetsPath, location: .record(record),
                                reason: .labelOutOfRange(label: label, classCount: label < 0 && classCount == nil ? nil : count))
            }
            return try Dataset(features: features, labels: labels, classCount: count)
        }
        return try Dataset(features: features, targets: try targetArray.matrix())
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\n" }.reversed().drop { $0 == " " || $0 == "\n" }.reversed())
    }
}

extension String {
    init(format2 byte: UInt8) {
        let digits = String(byte, radix: 16)
        self = digits.count == 1 ? "0" + digits : digits
    }
}
