import Foundation
import BackpropCore
import BackpropData
import BackpropRecipes

/// The contents of `model.json`: everything needed, besides the tensors of
/// `model.safetensors`, to rebuild a trained model and feed it raw inputs.
///
/// ```json
/// {"format": "backprop-model", "format_version": 2, "recipe": {…}, "blueprint": {…},
///  "layers": [{"kind": "linear", …}, …], "output": "softmax",
///  "preprocessing": {…}, "class_names": ["0", "1"], "loss": "softmax-ce", …}
/// ```
///
/// Format 2 adds ``layers`` and ``output`` and names the tensors after the layer list;
/// files of format 1 are still read (see the ModelFiles article).
public struct ModelManifest: Codable, Equatable, Sendable {
    /// The `format` value of every model file.
    public static let formatName = "backprop-model"
    /// The format version this build writes and the newest it reads.
    public static let currentFormatVersion = 2

    /// Always ``formatName``.
    public var format: String
    /// The format version of the file.
    public var formatVersion: Int
    /// The backprop version that wrote the file.
    public var backpropVersion: String
    /// The full recipe of the training run.
    public var recipe: TrainingRecipe
    /// The network's structure; `NetworkBlueprint.build(seed:as:)` makes the layers.
    public var blueprint: NetworkBlueprint
    /// The layer list, whose entry `i` owns the tensors `layers.<i>.*` (format 2; `nil` in
    /// files of format 1). ``Model`` fills it from the network.
    public var layers: [ModelLayer]?
    /// The function from the last layer's outputs to the predictions: `softmax`, `sigmoid`
    /// or `identity` (format 2; ``outputFunction()`` derives it in files of format 1).
    public var output: String?
    /// The preprocessing fitted on the training split; raw inputs go through it first.
    public var preprocessing: PreprocessingPipeline
    /// The class names, index by index (classification), or `nil` (regression).
    public var classNames: [String]?
    /// The loss name (`softmax-ce`, `binary-ce`, `mse`).
    public var loss: String
    /// `true` when the targets are real values.
    public var regression: Bool
    /// Raw features per input row, before preprocessing.
    public var featureCount: Int
    /// Network outputs per row.
    public var outputCount: Int
    /// Final metrics of the run (`train_accuracy`, `dev_cost`, …).
    public var metrics: [String: Double]

    /// A manifest of the current format version.
    public init(recipe: TrainingRecipe, blueprint: NetworkBlueprint, preprocessing: PreprocessingPipeline,
                classNames: [String]?, loss: String, regression: Bool, featureCount: Int, outputCount: Int,
                metrics: [String: Double] = [:]) {
        format = Self.formatName
        formatVersion = Self.currentFormatVersion
        backpropVersion = BackpropVersion.current
        self.recipe = recipe
        self.blueprint = blueprint
        self.preprocessing = preprocessing
        self.classNames = classNames
        self.loss = loss
        self.regression = regression
        self.featureCount = featureCount
        self.outputCount = outputCount
        self.metrics = metrics
    }

    enum CodingKeys: String, CodingKey {
        case format, formatVersion = "format_version", backpropVersion = "backprop_version", recipe, blueprint, layers, output
        case preprocessing, classNames = "class_names", loss, regression, featureCount = "feature_count"
        case outputCount = "output_count", metrics
    }

    /// The function from the last layer's outputs to the predictions: the recipe's output
    /// activation when it has one, else the loss's own (softmax for `softmax-ce`, sigmoid for
    /// `binary-ce`, for `mse` sigmoid with class labels and identity for regression).
    ///
    /// - Throws: `NetworkError` for an unknown loss or an output activation that is a layer.
    public func outputFunction() throws -> Activation {
        let own: Activation = switch try LossKind(parsing: loss) {
        case .softmaxCrossEntropy: .softmax
        case .binaryCrossEntropy: .sigmoid
        case .quadratic: regression ? .identity : .sigmoid
        }
        return try recipe.outputFunction() ?? own
    }

    // MARK: - Reading and writing

    /// Pretty-printed JSON with sorted keys.
    public func encoded() throws -> Data {
        try VersionedJSON.encode(self)
    }

    /// Parses `model.json` bytes; `file` names the source in errors.
    ///
    /// - Throws: ``ModelFileError`` for invalid JSON, a foreign file, a newer format
    ///   version or a manifest that contradicts itself.
    public init(data: Data, file: String) throws {
        self = try VersionedJSON.decode(ModelManifest.self, from: data, file: file,
                                        format: Self.formatName, supported: Self.currentFormatVersion)
        guard blueprint.sizes.first == preprocessing.outputCount ?? featureCount, blueprint.sizes.last == outputCount else {
            throw ModelFileError.malformed(file: file, detail: "the blueprint's sizes \(blueprint.sizes) do not match \(featureCount) features and \(outputCount) outputs")
        }
        if let inputs = preprocessing.inputCount, inputs != featureCount {
            throw ModelFileError.malformed(file: file, detail: "the preprocessing takes \(inputs) features, the model \(featureCount)")
        }
        if let classNames, classNames.count != max(outputCount, 2) {
            throw ModelFileError.malformed(file: file, detail: "\(classNames.count) class names for \(outputCount) outputs")
        }
        if !regression && classNames == nil {
            throw ModelFileError.malformed(file: file, detail: "a classification model without \"class_names\"")
        }
        do {
            try blueprint.validate()
        } catch let error as any BackpropError {
            throw ModelFileError.malformed(file: file, detail: "blueprint: \(error.message)")
        }
    }
}

/// JSON files that carry `format` and `format_version` fields: checked before the rest
/// is decoded, so a foreign file or a newer version gets a clear message.
enum VersionedJSON {
    private struct Header: Decodable {
        var format: String?
        var formatVersion: Int?
        enum CodingKeys: String, CodingKey { case format, formatVersion = "format_version" }
    }

    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    static func decode<Value: Decodable>(_: Value.Type, from data: Data, file: String, format: String, supported: Int) throws -> Value {
        let decoder = JSONDecoder()
        let header: Header
        do {
            header = try decoder.decode(Header.self, from: data)
        } catch {
            throw ModelFileError.malformed(file: file, detail: data.isEmpty ? "the file is empty" : "not a JSON object (\(Self.reason(error)))")
        }
        guard header.format == format else {
            throw ModelFileError.malformed(file: file, detail: "expected \"format\": \"\(format)\", found \(header.format.map { "\"\($0)\"" } ?? "none")")
        }
        guard let version = header.formatVersion, version >= 1 else {
            throw ModelFileError.malformed(file: file, detail: "missing or invalid format_version")
        }
        guard version <= supported else {
            throw ModelFileError.newerFormat(file: file, found: version, supported: supported)
        }
        do {
            return try decoder.decode(Value.self, from: data)
        } catch {
            throw ModelFileError.malformed(file: file, detail: Self.reason(error))
        }
    }

    /// A one-line reason for a decoding error, naming the key path.
    static func reason(_ error: Error) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "" : " at \(keys.joined(separator: "."))"
        }
        switch error {
        case let DecodingError.keyNotFound(key, context): return "missing key \"\(key.stringValue)\"\(path(context))"
        case let DecodingError.typeMismatch(_, context): return "wrong type\(path(context)): \(context.debugDescription)"
        case let DecodingError.valueNotFound(_, context): return "missing value\(path(context))"
        case let DecodingError.dataCorrupted(context): return "invalid JSON\(path(context)): \(context.debugDescription)"
        default: return "\(error)"
        }
    }
}
