import Foundation
import Testing
import Backprop
@testable import BackpropCore
@testable import BackpropModelFiles
@testable import BackpropRecipes
@testable import BackpropRuns

@Suite("ONNX export")
struct ONNXExportTests {
    // MARK: - Protobuf encoding

    @Test("Varints, fixed-width numbers, strings and packed fields follow the protobuf wire format")
    func wireFormat() {
        var message = ProtobufWriter()
        message.int(1, 150)
        #expect(message.bytes == [0x08, 0x96, 0x01])   // the protobuf documentation's example

        message = ProtobufWriter()
        message.string(2, "testing")
        #expect(message.bytes == [0x12, 0x07] + Array("testing".utf8))

        message = ProtobufWriter()
        message.int(3, -1)
        #expect(message.bytes == [0x18] + Array(repeating: 0xFF, count: 9) + [0x01])

        message = ProtobufWriter()
        message.float(2, 1)
        message.double(1, 1)
        #expect(message.bytes == [0x15, 0x00, 0x00, 0x80, 0x3F, 0x09, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F])

        message = ProtobufWriter()
        message.packedInts(4, [3, 270, 86942])
        #expect(message.bytes == [0x22, 0x06, 0x03, 0x8E, 0x02, 0x9E, 0xA7, 0x05])
        message.packedInts(5, [])
        #expect(message.bytes.count == 8)

        message = ProtobufWriter()
        message.message(3) { $0.int(1, 150) }
        #expect(message.bytes == [0x1A, 0x03, 0x08, 0x96, 0x01])
    }

    @Test("A tensor stores its dimensions, type, name and little-endian raw data")
    func tensorMessage() {
        let tensor = ONNXTensor(name: "w", dimensions: [1, 2], floats: [1, -2])
        #expect(tensor.encoded.bytes == [0x0A, 0x02, 0x01, 0x02, 0x10, 0x01, 0x42, 0x01, 0x77, 0x4A, 0x08,
                                         0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0])
    }

    // MARK: - Refusals

    /// A layer of a kind ONNX export does not know.
    final class Projection: Layer {
        let inputCount: Int, outputCount: Int
        init(_ inputCount: Int, _ outputCount: Int) { self.inputCount = inputCount; self.outputCount = outputCount }
        var parameters: [Parameter<Float>] { [] }
        var description: String { "Projection" }
        var layerDescription: LayerDescription { describe(as: .custom("projection")) }
        func forward(_ input: Matrix<Float>, mode: Mode) throws -> Matrix<Float> { Matrix(rows: input.rows, columns: outputCount) }
        func backward(_ outputGradient: Matrix<Float>, needsInputGradient: Bool) -> Matrix<Float>? { nil }
    }

    @Test("A custom layer is refused with a typed error naming it, not exported as a wrong graph")
    func customLayerRefused() throws {
        let trained = try Self.model(Self.cases[0].recipe)
        let network = try Sequential<Float>([Projection(5, 3)])
        let model = try Model(manifest: trained.manifest, network: network)
        #expect(throws: ExportError.unsupportedLayer(index: 0, kind: "projection")) { try model.onnxData() }
        #expect(ExportError.unsupportedLayer(index: 0, kind: "projection").description.contains("layers.0"))
    }

    // MARK: - Models of every kind

    /// A named recipe of the round-trip set.
    struct Case {
        var name: String
        var recipe: TrainingRecipe
    }

    /// A recipe training 3 epochs on 5-dimensional blobs of 3 classes.
    static func recipe(activation: String = "relu", preprocessing: [PreprocessingMethod] = [], layers: [Int] = [5, 8, 6, 3],
                       data: String = "blobs:n=300,classes=3,dimensions=5", configure: (inout TrainingRecipe) -> Void = { _ in }) -> TrainingRecipe {
        var recipe = TrainingRecipe()
        recipe.data = try! SettingText(parsing: data)
        recipe.layers = layers
        recipe.activation = try! SettingText(parsing: activation)
        recipe.preprocessing = preprocessing
        recipe.epochs = 3
        recipe.learningRate = 0.05
        configure(&recipe)
        return recipe
    }

    /// Every layer kind and every preprocessing kind at least once.
    static let cases: [Case] = [
        Case(name: "relu-standardize", recipe: recipe(preprocessing: [.standardize])),
        Case(name: "sigmoid-subtract-mean-mse", recipe: recipe(activation: "sigmoid", preprocessing: [.subtractMean]) { $0.loss = .quadratic }),
        Case(name: "tanh-min-max", recipe: recipe(activation: "tanh", preprocessing: [.minMax(lower: -1, upper: 1)])),
        Case(name: "leaky-relu-affine", recipe: recipe(activation: "leaky-relu:alpha=0.1", preprocessing: [.affine(scale: 0.5, offset: 1)])),
        Case(name: "elu-pca", recipe: recipe(activation: "elu:alpha=0.5", preprocessing: [.standardize, .pca(components: .count(3))], layers: [3, 8, 3])),
        Case(name: "identity-pca-whitening", recipe: recipe(activation: "identity", preprocessing: [.pcaWhitening(components: .count(4), epsilon: 1e-5)], layers: [4, 8, 6, 3])),
        Case(name: "softmax-zca-whitening", recipe: recipe(activation: "softmax", preprocessing: [.zcaWhitening(epsilon: 1e-5)])),
        Case(name: "prelu-dropout-noise", recipe: recipe(activation: "prelu", preprocessing: [.standardize]) { $0.dropout = [0.2]; $0.inputNoise = 0.1 }),
        Case(name: "maxout-batch-norm-before", recipe: recipe(activation: "maxout:pieces=3", preprocessing: [.standardize]) { $0.batchNorm = .beforeActivation }),
        Case(name: "relu-batch-norm-after-binary-ce", recipe: recipe(preprocessing: [.standardize]) { $0.batchNorm = .afterActivation; $0.loss = .binaryCrossEntropy }),
        Case(name: "gelu-standardize", recipe: recipe(activation: "gelu", preprocessing: [.standardize])),
        Case(name: "silu-label-smoothing", recipe: recipe(activation: "silu", preprocessing: [.standardize]) { $0.labelSmoothing = 0.1 }),
        Case(name: "selu-alpha-dropout", recipe: recipe(activation: "selu", preprocessing: [.standardize]) { $0.dropout = [0.1]; $0.dropoutStyle = .alpha }),
    ]

    @Test("The cases cover every activation function of the registry")
    func casesCoverEveryActivation() {
        let used = Set(Self.cases.map { $0.recipe.activation.value.name })
        #expect(Set(Activation.registry.map(\.name)).subtracting(used).isEmpty, "\(Set(Activation.registry.map(\.name)).subtracting(used))")
    }

    /// The model `recipe` trains.
    static func model(_ recipe: TrainingRecipe) throws -> Model {
        let run = try TrainingRun(recipe: recipe)
        try run.fit()
        return try Model(run: run, metrics: [:])
    }

    /// 1000 raw rows of `featureCount` values, spread like the blobs (seeded).
    static func rawRows(featureCount: Int, seed: UInt64 = 7) -> Matrix<Float> {
        var random = RandomGenerator(seed: seed)
        return Matrix(rows: 1000, columns: featureCount, elements: (0..<(1000 * featureCount)).map { _ in Float(random.normal() * 6) })
    }

    /// The outputs `predict --proba` prints (class probabilities) or the regression values.
    static func expected(_ model: LoadedModel, _ inputs: Matrix<Float>) throws -> (values: [Float], columns: Int) {
        if model.classNames != nil {
            let rows = try model.classProbabilities(inputs)
            return (rows.flatMap { $0.map(Float.init) }, rows[0].count)
        }
        let values = try model.predictProbabilities(inputs)
        return (values.elements, values.columns)
    }

    @Test("onnx.checker accepts every layer kind, every preprocessing kind, an ensemble and a regression model; onnxruntime matches to 1e-5 on 1000 raw rows")
    func roundTripThroughOnnxruntime() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("onnx-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var models: [(String, LoadedModel)] = []
        var trained: [String: Model] = [:]
        for entry in Self.cases {
            let model = try Self.model(entry.recipe)
            trained[entry.name] = model
            models.append((entry.name, .single(model)))
        }
        let ensemble = try EnsembleModel(members: [trained["relu-standardize"]!, trained["maxout-batch-norm-before"]!, trained["softmax-zca-whitening"]!])
        models.append(("ensemble", .ensemble(ensemble)))
        // One sigmoid output: the class probabilities (1 − p, p), as predict --proba prints them.
        var manifest = trained["relu-standardize"]!.manifest
        manifest.blueprint = NetworkBlueprint(sizes: [5, 8, 1], hiddenActivation: .function(.tanh))
        manifest.classNames = ["no", "yes"]
        manifest.outputCount = 1
        manifest.loss = LossKind.binaryCrossEntropy.rawValue
        models.append(("one-sigmoid-output", .single(try Model(manifest: manifest, network: try manifest.blueprint.build(seed: 5)))))
        // Regression: y = x₀ − 2x₁ + x₂² from a CSV file.
        var random = RandomGenerator(seed: 3)
        var csv = "a,b,c,y\n"
        for _ in 0..<200 {
            let x = (0..<3).map { _ in random.normal() }
            csv += "\(x[0]),\(x[1]),\(x[2]),\(x[0] - 2 * x[1] + x[2] * x[2])\n"
        }
        let csvFile = folder.appendingPathComponent("regression.csv")
        try csv.write(to: csvFile, atomically: true, encoding: .utf8)
        let regression = try Self.model(Self.recipe(activation: "tanh", preprocessing: [.standardize], layers: [3, 8, 1], data: "csv:\(csvFile.path)") {
            $0.regression = true
        })
        models.append(("regression", .single(regression)))

        var cases: [[String: Any]] = []
        for (name, model) in models {
            let file = folder.appendingPathComponent("\(name).onnx")
            try model.exportONNX(to: file)
            let inputs = Self.rawRows(featureCount: model.featureCount)
            let expected = try Self.expected(model, inputs)
            try PythonChecks.writeFloats(inputs.elements, to: folder.appendingPathComponent("\(name).inputs"))
            try PythonChecks.writeFloats(expected.values, to: folder.appendingPathComponent("\(name).expected"))
            cases.append(["name": name, "model": file.path, "inputs": folder.appendingPathComponent("\(name).inputs").path,
                          "rows": inputs.rows, "columns": inputs.columns, "expected": folder.appendingPathComponent("\(name).expected").path,
                          "expected_columns": expected.columns, "output": model.classNames == nil ? "predictions" : "probabilities"])
        }
        let list = folder.appendingPathComponent("cases.json")
        try JSONSerialization.data(withJSONObject: cases).write(to: list)
        guard let results = try PythonChecks.run("check_onnx.py", [list.path], check: "the ONNX checker and onnxruntime comparison") else { return }
        for (name, model) in models {
            let result = try #require(results[name] as? [String: Any], "\(name)")
            #expect(result["checker"] as? String == "ok", "\(name): \(result["checker"] ?? "")")
            let difference = try #require(result["max_difference"] as? Double, "\(name)")
            print("ONNX \(name): max |onnxruntime − Backprop| = \(difference)")
            #expect(difference <= 1e-5, "\(name): \(difference)")
            #expect(result["opset"] as? Int == ONNXExport.opsetVersion)
            #expect(result["producer"] as? String == "Backprop \(BackpropVersion.current)")
            let metadata = try #require(result["metadata"] as? [String: String])
            if let names = model.classNames {
                #expect(result["label_mismatches"] as? Int == 0, "\(name)")
                #expect(metadata["class_names"] == String(decoding: try JSONEncoder().encode(names), as: UTF8.self))
                #expect(result["outputs"] as? [String] == ["probabilities", "label"])
            } else {
                #expect(result["outputs"] as? [String] == ["predictions"])
            }
        }
    }
}
