import Foundation

/// A minimal Protocol Buffers encoder: the wire format (varints, fixed 32/64-bit values,
/// length-delimited fields) for the few messages the ONNX exporter and the TensorBoard
/// event writer produce.
///
/// Backprop writes these messages by hand instead of generating code with swift-protobuf:
/// the exporter needs nine ONNX messages and the event writer five TensorFlow ones, all
/// write-only, and the protobuf plugin build would slow every build of the package. Fields
/// are written in the order they are called; packed encoding is used for repeated numbers.
///
/// ```swift
/// var message = ProtobufWriter()
/// message.string(1, "weight")
/// message.int(2, 7)
/// message.bytes   // [0x0A, 0x06, 0x77, …, 0x10, 0x07]
/// ```
public struct ProtobufWriter: Sendable, Equatable {
    /// The encoded message so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty message.
    public init() {}

    /// The wire types of the format.
    enum WireType: UInt64 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    /// Appends `value` as a base-128 varint (negative numbers take ten bytes, as protobuf's
    /// `int64`).
    public mutating func appendVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    mutating func tag(_ field: Int, _ type: WireType) {
        appendVarint(UInt64(field) << 3 | type.rawValue)
    }

    /// An `int32`, `int64`, `bool` or enum field.
    public mutating func int(_ field: Int, _ value: Int) {
        tag(field, .varint)
        appendVarint(UInt64(bitPattern: Int64(value)))
    }

    /// A `float` field (fixed 32 bits, little-endian).
    public mutating func float(_ field: Int, _ value: Float) {
        tag(field, .fixed32)
        appendLittleEndian(value.bitPattern)
    }

    /// A `double` field (fixed 64 bits, little-endian).
    public mutating func double(_ field: Int, _ value: Double) {
        tag(field, .fixed64)
        appendLittleEndian(value.bitPattern)
    }

    /// A `bytes` field.
    public mutating func bytes(_ field: Int, _ value: [UInt8]) {
        tag(field, .lengthDelimited)
        appendVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A `string` field, UTF-8.
    public mutating func string(_ field: Int, _ value: String) {
        bytes(field, Array(value.utf8))
    }

    /// An embedded message field.
    public mutating func message(_ field: Int, _ value: ProtobufWriter) {
        bytes(field, value.bytes)
    }

    /// An embedded message field built by `body`.
    public mutating func message(_ field: Int, _ body: (inout ProtobufWriter) -> Void) {
        var nested = ProtobufWriter()
        body(&nested)
        message(field, nested)
    }

    /// A packed `repeated int64` field (written even when empty only if `values` is non-empty).
    public mutating func packedInts(_ field: Int, _ values: [Int]) {
        guard !values.isEmpty else { return }
        var packed = ProtobufWriter()
        for value in values { packed.appendVarint(UInt64(bitPattern: Int64(value))) }
        bytes(field, packed.bytes)
    }

    /// A packed `repeated float` field.
    public mutating func packedFloats(_ field: Int, _ values: [Float]) {
        guard !values.isEmpty else { return }
        var packed = ProtobufWriter()
        for value in values { packed.appendLittleEndian(value.bitPattern) }
        bytes(field, packed.bytes)
    }

    /// A packed `repeated double` field.
    public mutating func packedDoubles(_ field: Int, _ values: [Double]) {
        guard !values.isEmpty else { return }
        var packed = ProtobufWriter()
        for value in values { packed.appendLittleEndian(value.bitPattern) }
        bytes(field, packed.bytes)
    }

    /// Appends the little-endian bytes of an unsigned integer.
    mutating func appendLittleEndian<Word: FixedWidthInteger & UnsignedInteger>(_ value: Word) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
