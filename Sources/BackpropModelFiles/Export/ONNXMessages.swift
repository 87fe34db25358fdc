import Foundation

// The ONNX messages the exporter writes (onnx/onnx.proto, IR version 8), encoded with
// ``ProtobufWriter``. Field numbers follow the schema; only the fields Backprop fills are
// modelled.

/// An ONNX `TensorProto` holding 32-bit floats or 64-bit integers (written as `raw_data`).
struct ONNXTensor: Equatable {
    /// `TensorProto.DataType`: 1 is FLOAT, 7 is INT64.
    enum ElementType: Int { case float = 1, int64 = 7 }

    var name: String
    var dimensions: [Int]
    var elementType: ElementType
    /// The little-endian bytes of the values.
    var rawData: [UInt8]

    init(name: String, dimensions: [Int], floats: [Float]) {
        var writer = ProtobufWriter()
        for value in floats { writer.appendLittleEndian(value.bitPattern) }
        self.init(name: name, dimensions: dimensions, elementType: .float, count: floats.count, rawData: writer.bytes)
    }

    init(name: String, dimensions: [Int], int64s: [Int]) {
        var writer = ProtobufWriter()
        for value in int64s { writer.appendLittleEndian(UInt64(bitPattern: Int64(value))) }
        self.init(name: name, dimensions: dimensions, elementType: .int64, count: int64s.count, rawData: writer.bytes)
    }

    private init(name: String, dimensions: [Int], elementType: ElementType, count: Int, rawData: [UInt8]) {
        precondition(dimensions.reduce(1, *) == count, "\(name): \(count) values for dimensions \(dimensions)")
        self.name = name
        self.dimensions = dimensions
        self.elementType = elementType
        self.rawData = rawData
    }

    var encoded: ProtobufWriter {
        var message = ProtobufWriter()
        message.packedInts(1, dimensions)          // dims
        message.int(2, elementType.rawValue)       // data_type
        message.string(8, name)                    // name
        message.bytes(9, rawData)                  // raw_data
        return message
    }
}

/// An ONNX `AttributeProto` of one of the types the exporter uses.
struct ONNXAttribute: Equatable {
    enum Value: Equatable {
        case float(Float)
        case int(Int)
        case ints([Int])
    }

    var name: String
    var value: Value

    static func float(_ name: String, _ value: Float) -> ONNXAttribute { ONNXAttribute(name: name, value: .float(value)) }
    static func int(_ name: String, _ value: Int) -> ONNXAttribute { ONNXAttribute(name: name, value: .int(value)) }
    static func ints(_ name: String, _ values: [Int]) -> ONNXAttribute { ONNXAttribute(name: name, value: .ints(values)) }

    var encoded: ProtobufWriter {
        var message = ProtobufWriter()
        message.string(1, name)
        switch value {
        case let .float(number):
            message.float(2, number)               // f
            message.int(20, 1)                     // type FLOAT
        case let .int(number):
            message.int(3, number)                 // i
            message.int(20, 2)                     // type INT
        case let .ints(numbers):
            message.packedInts(8, numbers)         // ints
            message.int(20, 7)                     // type INTS
        }
        return message
    }
}

/// An ONNX `NodeProto`: one operator application.
struct ONNXNode: Equatable {
    var opType: String
    var inputs: [String]
    var outputs: [String]
    var name: String
    var attributes: [ONNXAttribute] = []

    var encoded: ProtobufWriter {
        var message = ProtobufWriter()
        for input in inputs { message.string(1, input) }
        for output in outputs { message.string(2, output) }
        message.string(3, name)
        message.string(4, opType)
        for attribute in attributes { message.message(5, attribute.encoded) }
        return message
    }
}

/// An ONNX `ValueInfoProto` of a tensor: its name, element type and shape, where a
/// dimension is a size or a symbolic name (the batch dimension).
struct ONNXValueInfo: Equatable {
    enum Dimension: Equatable {
        case size(Int)
        case symbol(String)
    }

    var name: String
    var elementType: ONNXTensor.ElementType
    var shape: [Dimension]

    var encoded: ProtobufWriter {
        var message = ProtobufWriter()
        message.string(1, name)
        message.message(2) { type in                      // TypeProto
            type.message(1) { tensor in                   // TypeProto.Tensor
                tensor.int(1, elementType.rawValue)       // elem_type
                tensor.message(2) { shapeMessage in       // TensorShapeProto
                    for dimension in shape {
                        shapeMessage.message(1) { entry in
                            switch dimension {
                            case let .size(size): entry.int(1, size)          // dim_value
                            case let .symbol(symbol): entry.string(2, symbol) // dim_param
                            }
                        }
                    }
                }
            }
        }
        return message
    }
}

/// An ONNX `GraphProto`.
struct ONNXGraph: Equatable {
    var name: String
    var nodes: [ONNXNode]
    var initializers: [ONNXTensor]
    var inputs: [ONNXValueInfo]
    var outputs: [ONNXValueInfo]
    var docString: String = ""

    var encoded: ProtobufWriter {
        var message = ProtobufWriter()
        for node in nodes { message.message(1, node.encoded) }
        message.string(2, name)
        for tensor in initializers { message.message(5, tensor.encoded) }
        if !docString.isEmpty { message.string(10, docString) }
        for input in inputs { message.message(11, input.encoded) }
        for output in outputs { message.message(12, output.encoded) }
        return message
    }
}

/// An ONNX `ModelProto`: the graph with its IR version, operator set and metadata.
struct ONNXModelProto: Equatable {
    var irVersion: Int
    var opsetVersion: Int
    var producerName: String
    var producerVersion: String
    var docString: String
    var graph: ONNXGraph
    /// `metadata_props`, in order.
    var metadata: [(key: String, value: String)]

    static func == (lhs: ONNXModelProto, rhs: ONNXModelProto) -> Bool {
        lhs.encoded == rhs.encoded
    }

    var encoded: [UInt8] {
        var message = ProtobufWriter()
        message.int(1, irVersion)                       // ir_version
        message.string(2, producerName)                 // producer_name
        message.string(3, producerVersion)              // producer_version
        message.string(4, "org.backprop")               // domain
        message.int(5, 1)                               // model_version
        message.string(6, docString)                    // doc_string
        message.message(7, graph.encoded)               // graph
        message.message(8) { opset in                   // opset_import (default domain "")
            opset.string(1, "")
            opset.int(2, opsetVersion)
        }
        for entry in metadata {                         // metadata_props: StringStringEntryProto
            message.message(14) { pair in
                pair.string(1, entry.key)
                pair.string(2, entry.value)
            }
        }
        return message.bytes
    }
}
