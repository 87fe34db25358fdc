import BackpropCore
import Foundation

/// The safetensors format: an 8-byte little-endian header length `N`, `N` bytes of JSON
/// describing each tensor (`dtype`, `shape`, `data_offsets` relative to the data section,
/// plus an optional `__metadata__` map of strings), then the raw little-endian data.
///
/// Readers validate everything before touching data: header length within the file,
/// valid JSON, known dtypes, offsets inside the data section, byte counts equal to
/// `shape` product × element size (with overflow-checked arithmetic), no overlapping
/// tensors, no bytes outside the tensors, and finite values only.
public struct SafeTensors: Sendable {
    /// Element types this library reads and writes.
    public enum DType: String, Sendable, CaseIterable {
        case float32 = "F32"
        case float64 = "F64"

        /// Bytes per element.
        public var size: Int { self == .float32 ? 4 : 8 }
    }

    /// One stored tensor.
    public struct Tensor: Sendable, Equatable {
        /// The tensor's name, e.g. `layers.0.weight`.
        public var name: String
        /// The dimensions, outermost first (PyTorch order).
        public var shape: [Int]
        /// The values in row-major order, widened to `Double` (exact for `Float`).
        public var values: [Double]
        /// The element type stored in the file.
        public var dtype: DType

        public init(name: String, shape: [Int], values: [Double], dtype: DType) {
            precondition(shape.reduce(1, *) == values.count, "Tensor \(name): shape \(shape) needs \(shape.reduce(1, *)) values, got \(values.count)")
            self.name = name
            self.shape = shape
            self.values = values
            self.dtype = dtype
        }
    }

    /// The tensors in file order.
    public var tensors: [Tensor]
    /// Free-form string metadata (`__metadata__`).
    public var metadata: [String: String]

    public init(tensors: [Tensor], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The tensor called `name`, if present.
    public subscript(name: String) -> Tensor? {
        tensors.first { $0.name == name }
    }

    // MARK: - Encoding

    /// The file's bytes. Tensors are laid out in order; the header is padded with spaces
    /// to a multiple of 8 bytes so the data section is aligned.
    public func encoded() -> Data {
        var header: [String] = []
        var offset = 0
        for tensor in tensors {
            let length = tensor.values.count * tensor.dtype.size
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            header.append("\(jsonString(tensor.name)):{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + length)]}")
            offset += length
        }
        if !metadata.isEmpty {
            let entries = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            header.insert("\"__metadata__\":{\(entries.joined(separator: ","))}", at: 0)
        }
        var json = Array("{\(header.joined(separator: ","))}".utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        var data = Data(count: 8 + json.count + offset)
        data.withUnsafeMutableBytes { bytes in
            bytes.storeBytes(of: UInt64(json.count).littleEndian, as: UInt64.self)
            bytes.baseAddress!.advanced(by: 8).copyMemory(from: json, byteCount: json.count)
            var position = 8 + json.count
            for tensor in tensors {
                switch tensor.dtype {
                case .float32:
                    for value in tensor.values {
                        bytes.storeBytes(of: Float(value).bitPattern.littleEndian, toByteOffset: position, as: UInt32.self)
                        position += 4
                    }
                case .float64:
                    for value in tensor.values {
                        bytes.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: position, as: UInt64.self)
                        position += 8
                    }
                }
            }
        }
        return data
    }

    // MARK: - Decoding

    /// Parses safetensors bytes; `file` names the source in errors.
    ///
    /// - Throws: ``ModelFileError`` for truncated or malformed content.
    public init(data: Data, file: String) throws {
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else {
            throw ModelFileError.truncated(file: file, detail: "\(bytes.count) bytes, the header length alone takes 8")
        }
        let headerLength = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw ModelFileError.truncated(file: file, detail: "header of \(headerLength) bytes announced, \(bytes.count - 8) present")
        }
        let dataStart = 8 + Int(headerLength)
        let header: [String: Any]
        do {
            let parsed = try JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart]))
            guard let object = parsed as? [String: Any] else { throw ModelFileError.malformed(file: file, detail: "header is not a JSON object") }
            header = object
        } catch let error as ModelFileError {
            throw error
        } catch {
            throw ModelFileError.malformed(file: file, detail: "header is not valid JSON")
        }
        metadata = [:]
        if let entries = header["__metadata__"] {
            guard let map = entries as? [String: String] else {
                throw ModelFileError.malformed(file: file, detail: "__metadata__ must map strings to strings")
            }
            metadata = map
        }
        var entries: [(name: String, dtype: DType, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in header where name != "__metadata__" {
            guard let info = value as? [String: Any],
                  let dtypeName = info["dtype"] as? String,
                  let shape = integers(info["shape"]),
                  let offsets = integers(info["data_offsets"]), offsets.count == 2 else {
                throw ModelFileError.malformed(file: file, detail: "tensor '\(name)' lacks dtype, shape or data_offsets")
            }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw ModelFileError.malformed(file: file, detail: "tensor '\(name)' has unsupported dtype \(dtypeName) (F32 and F64 are read)")
            }
            guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[0] <= offsets[1] else {
                throw ModelFileError.malformed(file: file, detail: "tensor '\(name)' has a negative dimension or reversed offsets")
            }
            // Checked arithmetic: offsets near Int.max and shapes whose product overflows
            // are errors, not traps.
            guard let needed = ResourceLimits.product(shape + [dtype.size]) else {
                throw ModelFileError.malformed(file: file, detail: "tensor '\(name)' of shape \(shape) needs more bytes than a 64-bit integer counts")
            }
            guard offsets[1] <= bytes.count - dataStart else {
                throw ModelFileError.truncated(file: file, detail: "tensor '\(name)' ends at byte \(offsets[1]) of the data section, which holds \(bytes.count - dataStart)")
            }
            guard offsets[1] - offsets[0] == needed else {
                throw ModelFileError.malformed(file: file, detail: "tensor '\(name)' of shape \(shape) needs \(needed) bytes, offsets give \(offsets[1] - offsets[0])")
            }
            entries.append((name, dtype, shape, offsets[0], offsets[1]))
        }
        entries.sort { $0.begin < $1.begin || ($0.begin == $1.begin && $0.end < $1.end) }
        for (previous, next) in zip(entries, entries.dropFirst()) where next.begin < previous.end {
            throw ModelFileError.malformed(file: file, detail: "tensors '\(previous.name)' and '\(next.name)' overlap")
        }
        let dataLength = bytes.count - dataStart
        let covered = entries.reduce(0) { $0 + ($1.end - $1.begin) }
        if covered != dataLength {
            // Bytes after the last tensor or in gaps between tensors: not a file this
            // library wrote, perhaps two files concatenated or a damaged copy.
            throw ModelFileError.malformed(file: file, detail: "the data section holds \(dataLength) bytes, the tensors cover \(covered)")
        }
        tensors = try entries.map { entry in
            let start = dataStart + entry.begin
            let count = (entry.end - entry.begin) / entry.dtype.size
            let values: [Double] = (0..<count).map { index in
                let at = start + index * entry.dtype.size
                switch entry.dtype {
                case .float32:
                    return Double(Float(bitPattern: littleEndianInteger(bytes, at, as: UInt32.self)))
                case .float64:
                    return Double(bitPattern: littleEndianInteger(bytes, at, as: UInt64.self))
                }
            }
            if let index = values.firstIndex(where: { !$0.isFinite }) {
                throw ModelFileError.malformed(file: file, detail: "tensor '\(entry.name)' holds \(values[index]) at index \(index); weights must be finite numbers")
            }
            return Tensor(name: entry.name, shape: entry.shape, values: values, dtype: entry.dtype)
        }
    }

    /// Reads and parses the file at `url`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ModelFileError.unreadable(file: url.path, detail: "cannot read: \(error.localizedDescription)")
        }
        try self.init(data: data, file: url.path)
    }
}

/// A JSON array of integers, or `nil` when `value` is something else or holds a fraction
/// or a number beyond ±9·10¹⁸ (which `NSNumber.intValue` would silently wrap).
private func integers(_ value: Any?) -> [Int]? {
    guard let numbers = value as? [NSNumber] else { return nil }
    var result: [Int] = []
    for number in numbers {
        let double = number.doubleValue
        guard double.isFinite, abs(double) < 9e18, double == double.rounded() else { return nil }
        result.append(Int(number.int64Value))
    }
    return result
}

private func littleEndianInteger<T: FixedWidthInteger & UnsignedInteger>(_ bytes: [UInt8], _ offset: Int, as _: T.Type) -> T {
    var value: T = 0
    for index in 0..<MemoryLayout<T>.size { value |= T(bytes[offset + index]) << (8 * index) }
    return value
}

/// A JSON string literal for `text`.
private func jsonString(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result + "\""
}
