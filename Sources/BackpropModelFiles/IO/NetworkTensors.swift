import Foundation
import BackpropCore

/// The tensors of a network under PyTorch `state_dict` names and shapes, and back.
///
/// Names are `layers.<index>.<name>`: `weight` and `bias` of a linear map, batch norm's
/// `weight`, `bias`, `running_mean` and `running_var`, PReLU's `weight`. Weights keep their
/// `(out, in)` shape (one row per output unit, PyTorch's `nn.Linear` orientation); every
/// other tensor (biases, PReLU slopes, batch-norm vectors) is one-dimensional, as in PyTorch.
///
/// What `index` counts depends on the ``Layout``: the entries of the layer list of
/// `model.json` (``ModelLayer``, format 2), or, in files of format 1, the layers of the
/// network (where a fused activation takes no index of its own).
public enum NetworkTensors {
    /// What the index in a tensor name counts.
    public enum Layout: Sendable {
        /// Format 1: the layers of `Sequential`, a dense layer with its fused activation
        /// counting once.
        case networkLayers
        /// Format 2: the entries of the layer list (``ModelLayer/list(of:)``).
        case layerList

        /// The layout of model files of `formatVersion`.
        public init(formatVersion: Int) {
            self = formatVersion >= 2 ? .layerList : .networkLayers
        }
    }

    /// Every parameter and buffer of `network`, in layer order, stored as `dtype`
    /// (the network's own precision by default).
    ///
    /// - Throws: `NetworkError.unusable(what:reason:)` for a layer defined outside Backprop.
    public static func export<Scalar: NetworkScalar>(
        _ network: Sequential<Scalar>, dtype: SafeTensors.DType? = nil, layout: Layout = .layerList
    ) throws -> [SafeTensors.Tensor] {
        let storedType = dtype ?? (Scalar.self == Double.self ? .float64 : .float32)
        return try entries(of: network, layout: layout).map { entry in
            SafeTensors.Tensor(name: entry.name, shape: entry.shape, values: entry.matrix.elementsAsDouble, dtype: storedType)
        }
    }

    /// Copies `tensors` into `network`'s parameters and buffers.
    ///
    /// Every tensor of the network must be present with its exact shape and no extra
    /// tensor may appear; nothing is changed unless all checks pass.
    ///
    /// - Throws: ``ModelFileError`` naming `file` and the offending tensor.
    public static func load<Scalar: NetworkScalar>(
        _ tensors: [SafeTensors.Tensor], into network: Sequential<Scalar>, file: String, layout: Layout = .layerList
    ) throws {
        let byName = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let expected: [Entry<Scalar>]
        do { expected = try entries(of: network, layout: layout) } catch {
            throw ModelFileError.malformed(file: file, detail: "\(error)")
        }
        let expectedNames = Set(expected.map(\.name))
        if let extra = tensors.first(where: { !expectedNames.contains($0.name) }) {
            throw ModelFileError.unexpectedTensor(file: file, name: extra.name)
        }
        for entry in expected {
            guard let tensor = byName[entry.name] else { throw ModelFileError.missingTensor(file: file, name: entry.name) }
            guard tensor.shape == entry.shape else {
                throw ModelFileError.shapeMismatch(file: file, name: entry.name, expected: entry.shape, actual: tensor.shape)
            }
        }
        for entry in expected {
            let values = byName[entry.name]!.values
            for index in 0..<values.count { entry.matrix.base[index] = Scalar(values[index]) }
        }
    }

    /// A tensor's name, shape and storage.
    typealias Entry<Scalar: NetworkScalar> = (name: String, shape: [Int], matrix: Matrix<Scalar>)

    /// Names, shapes and storage of every tensor of `network`.
    static func entries<Scalar: NetworkScalar>(of network: Sequential<Scalar>, layout: Layout) throws -> [Entry<Scalar>] {
        var result: [Entry<Scalar>] = []
        var listIndex = 0
        for (layerIndex, layer) in network.layers.enumerated() {
            var index = layerIndex
            if layout == .layerList {
                let entries = try ModelLayer.entries(for: layer.layerDescription)
                index = listIndex + (entries.firstIndex { $0.ownsTensors } ?? 0)
                listIndex += entries.count
            }
            for parameter in layer.parameters {
                let value = parameter.value
                result.append((name: "layers.\(index).\(parameter.name)",
                               shape: parameter.isRegularized || value.rows > 1 ? [value.rows, value.columns] : [value.columns],
                               matrix: value))
            }
            for buffer in layer.buffers {
                result.append((name: "layers.\(index).\(buffer.name)", shape: [buffer.value.count], matrix: buffer.value))
            }
        }
        return result
    }
}
