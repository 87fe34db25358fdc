import Foundation
import BackpropCore

/// The tensors of a network under PyTorch `state_dict` names and shapes, and back.
///
/// Names are `layers.<index>.<name>` (`layers.0.weight`, `layers.0.bias`, batch norm's
/// `weight`, `bias`, `running_mean`, `running_var`). Dense and Maxout weights keep their
/// `(out, in)` shape; every other one-row tensor (biases, PReLU slopes, batch-norm vectors)
/// is one-dimensional, as in PyTorch.
public enum NetworkTensors {
    /// Every parameter and buffer of `network`, in layer order, stored as `dtype`
    /// (the network's own precision by default).
    public static func export<Scalar: NetworkScalar>(
        _ network: Sequential<Scalar>, dtype: SafeTensors.DType? = nil
    ) -> [SafeTensors.Tensor] {
        let storedType = dtype ?? (Scalar.self == Double.self ? .float64 : .float32)
        return entries(of: network).map { entry in
            SafeTensors.Tensor(name: entry.name, shape: entry.shape, values: entry.matrix.elements.map(Double.init), dtype: storedType)
        }
    }

    /// Copies `tensors` into `network`'s parameters and buffers.
    ///
    /// Every tensor of the network must be present with its exact shape and no extra
    /// tensor may appear; nothing is changed unless all checks pass.
    ///
    /// - Throws: ``ModelFileError`` naming `file` and the offending tensor.
    public static func load<Scalar: NetworkScalar>(
        _ tensors: [SafeTensors.Tensor], into network: Sequential<Scalar>, file: String
    ) throws {
        let byName = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let expected = entries(of: network)
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

    /// Names, shapes and storage of every tensor of `network`.
    static func entries<Scalar: NetworkScalar>(of network: Sequential<Scalar>) -> [(name: String, shape: [Int], matrix: Matrix<Scalar>)] {
        network.layers.enumerated().flatMap { index, layer in
            let parameters = layer.parameters.map { parameter in
                (name: "layers.\(index).\(parameter.name)",
                 shape: parameter.isRegularized || parameter.value.rows > 1 ? [parameter.value.rows, parameter.value.columns] : [parameter.value.columns],
                 matrix: parameter.value)
            }
            let buffers = layer.buffers.map { buffer in
                (name: "layers.\(index).\(buffer.name)", shape: [buffer.value.count], matrix: buffer.value)
            }
            return parameters + buffers
        }
    }
}
