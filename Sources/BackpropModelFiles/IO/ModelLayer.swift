import BackpropCore
import Foundation

/// One entry of the layer list of `model.json` (format 2): a module of a PyTorch
/// `nn.Sequential` that computes the network, with its settings under the names of
/// PyTorch's constructor arguments. Entry `i` owns the tensors `layers.<i>.<name>` of
/// `model.safetensors`, so the list is the key map of the tensor file (see the ModelFiles
/// article).
///
/// A dense layer with a fused activation is two entries (`linear`, then the activation),
/// and a maxout layer is a `linear` producing every piece followed by a parameter-free
/// `maxout`, so indices never skip: a `Sequential` built from the list in order takes the
/// tensors as they are named.
///
/// ```json
/// {"kind": "linear", "in_features": 784, "out_features": 30, "bias": true}
/// {"kind": "batch-norm", "in_features": 30, "out_features": 30, "eps": 1e-05, "momentum": 0.1}
/// ```
public struct ModelLayer: Codable, Equatable, Sendable {
    /// `linear`, `identity`, `sigmoid`, `tanh`, `relu`, `leaky-relu`, `elu`, `softmax`,
    /// `prelu`, `maxout`, `batch-norm`, `dropout` or `gaussian-noise`.
    public var kind: String
    /// Features per input row.
    public var inFeatures: Int
    /// Features per output row.
    public var outFeatures: Int
    /// `linear`: whether it adds a bias.
    public var bias: Bool?
    /// `leaky-relu`: the slope below 0 (PyTorch's `negative_slope`).
    public var negativeSlope: Double?
    /// `elu`: α.
    public var alpha: Double?
    /// `maxout`: pieces per unit; unit `u` is the maximum of inputs `u·pieces ..< (u+1)·pieces`.
    public var pieces: Int?
    /// `batch-norm`: ε of `√(σ² + ε)`.
    public var eps: Double?
    /// `batch-norm`: PyTorch's momentum, `1 − k` for Backprop's running-average momentum k
    /// (`running ← (1 − momentum)·running + momentum·batch`).
    public var momentum: Double?
    /// `dropout`: the drop probability.
    public var p: Double?
    /// `dropout`: `inverted` (the identity at inference, as PyTorch's) or `vanilla`
    /// (multiplies by `1 − p` at inference).
    public var style: String?
    /// `gaussian-noise`: σ of the noise added in training (the identity at inference).
    public var std: Double?

    enum CodingKeys: String, CodingKey {
        case kind, inFeatures = "in_features", outFeatures = "out_features", bias, negativeSlope = "negative_slope", alpha
        case pieces, eps, momentum, p, style, std
    }

    /// An entry of `kind` mapping `inFeatures` to `outFeatures` features, with no setting.
    public init(kind: String, inFeatures: Int, outFeatures: Int) {
        self.kind = kind
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
    }

    /// The entry of a parameter-free activation over `width` features.
    init(_ activation: Activation, width: Int) {
        self.init(kind: activation.name, inFeatures: width, outFeatures: width)
        switch activation {
        case let .leakyReLU(slope): negativeSlope = slope
        case let .elu(value): alpha = value
        default: break
        }
    }

    /// The layer list of `network`, in order.
    ///
    /// - Throws: `NetworkError.unusable(what:reason:)` for a layer defined outside Backprop.
    public static func list<Scalar: NetworkScalar>(of network: Sequential<Scalar>) throws -> [ModelLayer] {
        try network.layers.flatMap { try entries(for: $0.layerDescription).map(\.layer) }
    }

    /// The entries computing `description`'s layer, in order, each with `true` when it
    /// owns that layer's tensors (the `linear` of a dense or maxout layer, batch norm,
    /// PReLU).
    ///
    /// - Throws: `NetworkError.unusable(what:reason:)` for a layer defined outside Backprop.
    static func entries(for description: LayerDescription) throws -> [(layer: ModelLayer, ownsTensors: Bool)] {
        let (inputs, outputs) = (description.inputCount, description.outputCount)
        func linear(_ width: Int, bias: Bool) -> ModelLayer {
            var entry = ModelLayer(kind: "linear", inFeatures: inputs, outFeatures: width)
            entry.bias = bias
            return entry
        }
        switch description.kind {
        case let .dense(activation, hasBias):
            let affine = (linear(outputs, bias: hasBias), true)
            return activation == .identity ? [affine] : [affine, (ModelLayer(activation, width: outputs), false)]
        case let .activation(activation):
            return [(ModelLayer(activation, width: outputs), false)]
        case .prelu:
            return [(ModelLayer(kind: "prelu", inFeatures: inputs, outFeatures: outputs), true)]
        case let .maxout(pieces):
            var unit = ModelLayer(kind: "maxout", inFeatures: outputs * pieces, outFeatures: outputs)
            unit.pieces = pieces
            return [(linear(outputs * pieces, bias: true), true), (unit, false)]
        case let .batchNormalization(epsilon, momentum):
            var norm = ModelLayer(kind: "batch-norm", inFeatures: inputs, outFeatures: outputs)
            norm.eps = epsilon
            // 1 − 0.9 is 0.09999999999999998 in binary; 15 digits give back the 0.1 meant.
            norm.momentum = Double(String(format: "%.15g", 1 - momentum))
            return [(norm, true)]
        case let .dropout(probability, style):
            var drop = ModelLayer(kind: "dropout", inFeatures: inputs, outFeatures: outputs)
            drop.p = probability
            drop.style = style.rawValue
            return [(drop, false)]
        case let .gaussianNoise(deviation):
            var noise = ModelLayer(kind: "gaussian-noise", inFeatures: inputs, outFeatures: outputs)
            noise.std = deviation
            return [(noise, false)]
        case let .custom(name):
            throw NetworkError.unusable(what: "layer '\(name)'", reason: "model files hold only Backprop's own layers")
        }
    }
}
