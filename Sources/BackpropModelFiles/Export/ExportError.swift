import BackpropCore

/// A model that cannot be exported as asked: the exporter refuses instead of writing a
/// graph that would compute something else.
public enum ExportError: BackpropError, Equatable {
    /// A layer the format has no operators for (a layer defined outside Backprop).
    case unsupportedLayer(index: Int, kind: String)

    /// What cannot be exported, and why.
    public var message: String {
        switch self {
        case let .unsupportedLayer(index, kind):
            "layers.\(index) is a \"\(kind)\" layer, which ONNX export does not support (dense, activation, prelu, maxout, batch-norm, dropout and gaussian-noise layers are supported)"
        }
    }
}
