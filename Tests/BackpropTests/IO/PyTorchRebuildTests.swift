import Foundation
import Testing
import Backprop

/// A stranger with PyTorch rebuilds saved models from `model.json` and `model.safetensors`
/// alone, following the documented key map (`Tests/Scripts/rebuild_in_pytorch.py`, no
/// Backprop code), and predicts the same probabilities: every layer kind and every
/// preprocessing kind, compared to 1e-5.
@Suite("Model files rebuilt in PyTorch")
struct PyTorchRebuildTests {
    /// One short run per combination of layer and preprocessing kinds.
    static let cases: [(name: String, configure: @Sendable (inout TrainingRecipe) throws -> Void)] = [
        ("tanh, batch norm before, dropout, standardise", { recipe in
            recipe.activation = "tanh"
            recipe.batchNorm = .beforeActivation
            recipe.dropout = [0.2]
            recipe.preprocessing = [.standardize]
        }),
        ("sigmoid, batch norm after (momentum, ε), vanilla and input dropout, min-max then PCA", { recipe in
            recipe.activation = "sigmoid"
            recipe.batchNorm = .afterActivation
            recipe.batchNormMomentum = 0.8
            recipe.batchNormEpsilon = 1e-3
            recipe.dropout = [0.3]
            recipe.dropoutStyle = .vanilla
            recipe.inputDropout = 0.1
            recipe.preprocessing = [.minMax(lower: 0, upper: 1), .pca(components: .count(2))]
        }),
        ("maxout with batch norm, input noise, PCA whitening", { recipe in
            recipe.activation = "maxout:pieces=3"
            recipe.batchNorm = .afterActivation
            recipe.inputNoise = 0.05
            recipe.preprocessing = [.pcaWhitening(components: .all, epsilon: 1e-5)]
        }),
        ("PReLU, ZCA", { recipe in
            recipe.activation = "prelu:alpha=0.2"
            recipe.preprocessing = [.zcaWhitening(epsilon: 1e-5)]
        }),
        ("leaky ReLU, subtract the mean", { recipe in
            recipe.activation = "leaky-relu:slope=0.2"
            recipe.preprocessing = [.subtractMean]
        }),
        ("ELU, fixed pixel scaling, one sigmoid output", { recipe in
            recipe.activation = "elu:alpha=0.5"
            recipe.layers = [2, 8, 6, 1]
            recipe.loss = .binaryCrossEntropy
            recipe.preprocessing = [.affine(scale: 0.5, offset: 0.1)]
        }),
        ("GELU", { recipe in
            recipe.activation = "gelu"
        }),
        ("SiLU with dropout", { recipe in
            recipe.activation = "silu"
            recipe.dropout = [0.1]
        }),
        ("SELU with alpha dropout", { recipe in
            recipe.activation = "selu"
            recipe.dropout = [0.1]
            recipe.dropoutStyle = .alpha
        }),
        ("ReLU, regression with an identity output", { recipe in
            recipe.data = try SettingText(parsing: "csv:\(try regressionFile().path)")
            recipe.regression = true
            recipe.layers = [3, 8, 1]
        }),
    ]

    /// A CSV of 120 rows: three features and a real target.
    static func regressionFile() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-regression-\(UUID().uuidString).csv")
        var random = RandomGenerator(seed: 5)
        var lines = ["a,b,c,y"]
        for _ in 0..<120 {
            let x = (0..<3).map { _ in random.uniform(-1, 1) }
            lines.append((x + [x[0] * x[1] + 0.5 * x[2]]).map { String($0) }.joined(separator: ","))
        }
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test(arguments: cases.indices)
    func pyTorchPredictsTheSameProbabilities(_ index: Int) throws {
        var recipe = TrainingRecipe()
        recipe.data = "moons:n=300"
        recipe.epochs = 4
        recipe.layers = [2, 8, 6, 2]
        try Self.cases[index].configure(&recipe)
        let run = try TrainingRun(recipe: recipe)
        try run.fit()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-rebuild-\(UUID().uuidString)")
        try Model(run: run, metrics: [:]).save(to: folder)
        let model = try Model.load(from: folder)
        let raw = try #require(try TrainingRun.loadData(for: recipe).test).features
        let probabilities = try model.predictProbabilities(raw)
        let inputs = folder.appendingPathComponent("inputs.f32"), expected = folder.appendingPathComponent("expected.f32")
        try PythonChecks.writeFloats(raw.elements, to: inputs)
        try PythonChecks.writeFloats(probabilities.elements, to: expected)
        guard let result = try PythonChecks.run("rebuild_in_pytorch.py", [folder.path, inputs.path, expected.path],
                                                check: "the PyTorch rebuild of \(Self.cases[index].name)") else { return }
        let difference = try #require(result["max_abs_diff"] as? Double)
        #expect(difference <= 1e-5, "\(Self.cases[index].name): \(difference), modules \(result["modules"] ?? [])")
        #expect(result["rows"] as? Int == raw.rows && raw.rows > 0)
    }
}
