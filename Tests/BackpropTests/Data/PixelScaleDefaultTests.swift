import Backprop
import Foundation
import Testing

/// Image sources default to `x/255` (`scale: none` keeps the raw pixels); tabular and
/// synthetic sources are unchanged, and recipes written before the default keep their meaning.
@Suite("Default pixel scale")
struct PixelScaleDefaultTests {
    func recipe(_ text: String) throws -> TrainingRecipe {
        try TrainingRecipe(configuration: RunConfiguration.parse(text, format: .yaml, file: "run.yaml"))
    }

    @Test func imageSourcesDefaultToUnitScale() throws {
        for data in ["mnist:/data/mnist", "fashion-mnist", "kmnist", "emnist-digits", "cifar-10"] {
            let recipe = try recipe("data: \"\(data)\"\nstandardize: true\n")
            #expect(recipe.preprocessing == [.unitPixels, .standardize], "\(data)")
            #expect(recipe.pixelScaleByDefault == true, "\(data)")
            #expect(recipe.pixelScaleSummary == "x/255 (the default for images; scale none keeps the raw 0–255 values)")
        }
    }

    @Test func askedScalingsWin() throws {
        let raw = try recipe("data: \"mnist:/data/mnist\"\nscale: none\n")
        #expect(raw.preprocessing.isEmpty && raw.pixelScaleByDefault == nil)
        #expect(raw.pixelScaleSummary == "raw 0–255 values (asked: scale none)")
        let textbook = try recipe("data: \"mnist:/data/mnist\"\nscale: mnist\n")
        #expect(textbook.preprocessing == [.mnistPixels] && textbook.pixelScaleByDefault == nil)
        #expect(textbook.pixelScaleSummary == "x·0.99/255 + 0.01 (asked: scale mnist)")
        let unit = try recipe("data: fashion-mnist\nscale: unit\n")
        #expect(unit.preprocessing == [.unitPixels] && unit.pixelScaleByDefault == nil)
        #expect(unit.pixelScaleSummary == "x/255 (asked: scale unit)")
    }

    @Test func tabularAndSyntheticSourcesAreUnchanged() throws {
        for data in ["moons", "csv:points.csv", "npy:x.npy,y.npy", "iris", "digits"] {
            let recipe = try recipe("data: \"\(data)\"\n")
            #expect(recipe.preprocessing.isEmpty && recipe.pixelScaleByDefault == nil, "\(data)")
            #expect(recipe.pixelScaleSummary == nil, "\(data)")
        }
        // Asked for, a scaling still applies to any source.
        #expect(try recipe("data: moons\nscale: unit\n").preprocessing == [.unitPixels])
    }

    @Test func scaleNoneIsAValidSettingAndMisspellingsAreNamed() throws {
        #expect(try PixelScale(parsing: "none") == .unscaled)
        #expect(PixelScale.unscaled.method == nil)
        let config = try RunConfiguration.parse("data: fashion-mnist\nscale: nothing\n", format: .yaml, file: "run.yaml")
        let error = try #require(throws: ConfigError.self) { try TrainingRecipe(configuration: config) }
        #expect("\(error)".contains("run.yaml:2") && "\(error)".contains("scale"), "\(error)")
    }

    /// A recipe saved before the default (an MNIST run on raw pixels: no scaling step, no
    /// `pixelScaleByDefault`) decodes to the same raw-pixel recipe.
    @Test func recipesWrittenBeforeTheDefaultKeepTheirMeaning() throws {
        var old = TrainingRecipe()
        old.data = "mnist:/data/mnist"
        old.layers = [784, 30, 10]
        let json = String(decoding: try JSONEncoder().encode(old), as: UTF8.self)
        #expect(!json.contains("pixelScaleByDefault"))
        let decoded = try JSONDecoder().decode(TrainingRecipe.self, from: Data(json.utf8))
        #expect(decoded.preprocessing.isEmpty && decoded.pixelScaleByDefault == nil)
        #expect(decoded == old)
    }

    /// The real files: the training inputs are in [0, 1] and model.json records the step, so
    /// `evaluate` and `predict` apply it to raw pixels.
    @Test(.enabled(if: MNISTFilesTests.isPresent, "the MNIST files are not present"))
    func mnistRunScalesAndRecordsTheStep() throws {
        let recipe = try recipe("data: \"mnist:\(MNISTFilesTests.directory)\"\nlimit: 300\nlayers: [784, 16, 10]\nepochs: 1\n")
        let run = try TrainingRun(recipe: recipe)
        #expect(run.pipeline.steps.map(\.method) == [.unitPixels])
        #expect(run.splits.train.features.elements.max() == 1 && run.splits.test?.features.elements.max() == 1)
        try run.fit()
        let model = try Model(run: run, metrics: [:])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pixel-scale-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try model.save(to: folder)
        let loaded = try Model.load(from: folder)
        #expect(loaded.pipeline.steps.map(\.method) == [.unitPixels])
        #expect(loaded.manifest.recipe.pixelScaleByDefault == true)
    }
}
