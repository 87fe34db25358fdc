import Foundation
import BackpropCore
import BackpropData

/// A trained model: the network, the preprocessing its inputs need, the class names and
/// the loss that defines its outputs. A model folder holds it as `model.json`
/// (``ModelManifest``) and `model.safetensors` (tensors under PyTorch `state_dict` names
/// that follow the manifest's layer list; see the ModelFiles article).
///
/// ```swift
/// let model = try Model.load(from: URL(fileURLWithPath: "runs/20261122-101500"))
/// let probabilities = try model.predictProbabilities(rawInputs)   // n × classes
/// ```
public final class Model {
    /// The file name of the description in a model folder.
    public static let manifestFileName = "model.json"
    /// The file name of the tensors in a model folder.
    public static let tensorsFileName = "model.safetensors"

    /// The description written to `model.json`.
    public let manifest: ModelManifest
    /// The network, in inference use.
    public let network: Sequential<Float>
    /// The loss defining the outputs (softmax, sigmoid or identity).
    public let loss: any Loss<Float>

    /// The fitted preprocessing applied to raw inputs.
    public var pipeline: PreprocessingPipeline { manifest.preprocessing }
    /// The class names (classification), or `nil`.
    public var classNames: [String]? { manifest.classNames }

    /// A model of `network` described by `manifest`.
    ///
    /// The manifest is brought to the current format version, its layer list and output
    /// function filled from the network.
    ///
    /// - Throws: `NetworkError` when the loss name is unknown or the network's shape
    ///   differs from the manifest's blueprint.
    public init(manifest: ModelManifest, network: Sequential<Float>) throws {
        guard network.inputCount == manifest.blueprint.sizes.first, network.outputCount == manifest.blueprint.sizes.last else {
            throw NetworkError.incompatible("The network (\(network.inputCount) → \(network.outputCount))", "the blueprint \(manifest.blueprint.sizes)",
                                             relation: "does not match")
        }
        // Whatever version it was read from, the model describes itself in the current one.
        var current = manifest
        current.formatVersion = ModelManifest.currentFormatVersion
        // A layer defined outside Backprop has no entry: such a model predicts, but saving
        // and exporting it refuse, naming the layer.
        current.layers = try? ModelLayer.list(of: network)
        current.output = try manifest.outputFunction().name
        self.manifest = current
        self.network = network
        loss = try LossKind(parsing: manifest.loss).makeLoss(regression: manifest.regression, output: manifest.recipe.outputFunction(),
                                                             labelSmoothing: manifest.recipe.labelSmoothing ?? 0)
    }


    // MARK: - Predictions

    /// The inputs after the saved preprocessing (a new matrix).
    ///
    /// - Throws: `NetworkError.shapeMismatch(layer:expected:actual:)` when a row does
    ///   not have ``ModelManifest/featureCount`` values.
    public func preprocess(_ rawInputs: Matrix<Float>) throws -> Matrix<Float> {
        guard rawInputs.columns == manifest.featureCount else {
            throw NetworkError.shapeMismatch(layer: "model input", expected: "\(manifest.featureCount) features", actual: "\(rawInputs.columns)")
        }
        return try pipeline.transform(rawInputs)
    }

    /// The predictions for raw inputs (`n × featureCount`, before preprocessing): class
    /// probabilities (softmax, or the sigmoid of class 1 for one output), or regression values.
    public func predictProbabilities(_ rawInputs: Matrix<Float>) throws -> Matrix<Float> {
        try network.predictProbabilities(try preprocess(rawInputs), loss: loss)
    }

    /// One probability per class and row (`n × max(outputs, 2)`): a single sigmoid
    /// output `p` becomes the pair `(1 − p, p)`.
    public func classProbabilities(_ rawInputs: Matrix<Float>) throws -> [[Double]] {
        let outputs = try predictProbabilities(rawInputs)
        return (0..<outputs.rows).map { row in
            let values = (0..<outputs.columns).map { Double(outputs[row, $0]) }
            return values.count == 1 ? [1 - values[0], values[0]] : values
        }
    }

    // MARK: - Files

    /// Writes `model.safetensors`, then `model.json` (each atomically) into `folder`,
    /// creating it if needed. `model.json` is written last: a folder with it is complete.
    ///
    /// - Throws: `NetworkError.unusable(what:reason:)` for a network holding a layer defined
    ///   outside Backprop; ``ModelFileError`` when a file cannot be written.
    public func save(to folder: URL) throws {
        let tensors = SafeTensors(tensors: try NetworkTensors.export(network), metadata: [
            "format": "pt", "backprop_format": ModelManifest.formatName,
            "format_version": String(ModelManifest.currentFormatVersion),
        ])
        try AtomicFile.write(tensors.encoded(), to: folder.appendingPathComponent(Self.tensorsFileName))
        try AtomicFile.write(manifest.encoded(), to: folder.appendingPathComponent(Self.manifestFileName))
    }

    /// Reads the model in `folder`: the manifest, a network rebuilt from its blueprint, and
    /// the tensors loaded into it.
    ///
    /// - Throws: ``ModelFileError`` naming the file and the problem (missing, truncated,
    ///   foreign, newer format, missing tensor, shape mismatch).
    public static func load(from folder: URL) throws -> Model {
        let manifestURL = folder.appendingPathComponent(manifestFileName)
        let tensorsURL = folder.appendingPathComponent(tensorsFileName)
        guard FileManager.default.fileExists(atPath: manifestURL.path) else {
            throw ModelFileError.unreadable(file: manifestURL.path, detail: "no such file: \(folder.path) is not a model folder (train with --out to make one)")
        }
        let data: Data
        do { data = try Data(contentsOf: manifestURL) } catch {
            throw ModelFileError.unreadable(file: manifestURL.path, detail: "cannot read: \(error.localizedDescription)")
        }
        let manifest = try ModelManifest(data: data, file: manifestURL.path)
        let file = try SafeTensors(contentsOf: tensorsURL)
        if let version = file.metadata["format_version"].flatMap(Int.init), version > ModelManifest.currentFormatVersion {
            throw ModelFileError.newerFormat(file: tensorsURL.path, found: version, supported: ModelManifest.currentFormatVersion)
        }
        let network: Sequential<Float>
        do {
            network = try manifest.blueprint.build(seed: 0, as: Float.self)
        } catch {
            throw ModelFileError.malformed(file: manifestURL.path, detail: "the blueprint does not build: \(error)")
        }
        try NetworkTensors.load(file.tensors, into: network, file: tensorsURL.path,
                                layout: NetworkTensors.Layout(formatVersion: manifest.formatVersion))
        let model: Model
        do {
            model = try Model(manifest: manifest, network: network)
        } catch {
            throw ModelFileError.malformed(file: manifestURL.path, detail: "\(error)")
        }
        if let layers = manifest.layers, layers != model.manifest.layers {
            throw ModelFileError.malformed(file: manifestURL.path, detail: "\"layers\" does not describe the network the blueprint builds")
        }
        if let output = manifest.output, output != model.manifest.output {
            throw ModelFileError.malformed(file: manifestURL.path, detail: "\"output\" is \(output), the loss and recipe give \(model.manifest.output ?? "none")")
        }
        return model
    }
}
