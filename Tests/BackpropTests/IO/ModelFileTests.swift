import Foundation
import Testing
import Backprop
@testable import BackpropCore
@testable import BackpropModelFiles
@testable import BackpropRecipes
@testable import BackpropRuns

@Suite("Model folders and checkpoint files")
struct ModelFileTests {
    static func folder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("backprop-model-\(UUID().uuidString)")
    }

    /// A short run with standardisation and batch norm, saved to a new folder.
    static func savedModel() throws -> (run: TrainingRun, folder: URL) {
        var recipe = TrainingRecipe()
        recipe.data = "moons:n=200"
        recipe.epochs = 3
        recipe.preprocessing = [.standardize]
        recipe.batchNorm = .beforeActivation
        let run = try TrainingRun(recipe: recipe)
        try run.fit()
        let folder = folder()
        try Model(run: run, metrics: ["test_accuracy": 0.5]).save(to: folder)
        return (run, folder)
    }

    static func loadError(_ folder: URL) -> ModelFileError? {
        do { _ = try Model.load(from: folder); return nil } catch let error as ModelFileError { return error } catch { return nil }
    }

    @Test func roundTripGivesTheSamePredictionsOnRawInputs() throws {
        let (run, folder) = try Self.savedModel()
        let model = try Model.load(from: folder)
        #expect(model.manifest.format == "backprop-model" && model.manifest.formatVersion == 2)
        #expect(model.manifest.layers?.map(\.kind) == ["linear", "batch-norm", "relu", "linear", "batch-norm", "relu", "linear"])
        #expect(model.manifest.output == "softmax")
        #expect(model.manifest.recipe == run.recipe && model.manifest.blueprint == run.blueprint)
        #expect(model.manifest.preprocessing == run.pipeline && model.classNames == ["0", "1"])
        #expect(model.manifest.featureCount == 2 && model.manifest.metrics == ["test_accuracy": 0.5])
        for (a, b) in zip(model.network.parameters, run.network.parameters) { #expect(a.value.elements == b.value.elements) }
        for (a, b) in zip(model.network.namedBuffers, run.network.namedBuffers) { #expect(a.value.elements == b.value.elements) }

        // Raw test inputs through the saved preprocessing = the run's preprocessed inputs.
        let raw = try #require(try TrainingRun.loadData(for: run.recipe).test)
        let expected = try run.network.predictProbabilities(try #require(run.splits.test).features, loss: run.trainer.loss)
        #expect(try model.predictProbabilities(raw.features).elements == expected.elements)
        let evaluation = try model.evaluate(raw)
        #expect(evaluation.classification?.accuracy == (try run.evaluate()).test?.accuracy)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["model.json", "model.safetensors"])
    }

    @Test func brokenFilesAreRejectedWithFileAndReason() throws {
        let (_, folder) = try Self.savedModel()
        let json = folder.appendingPathComponent("model.json"), tensors = folder.appendingPathComponent("model.safetensors")
        let goodJSON = try Data(contentsOf: json), goodTensors = try Data(contentsOf: tensors)
        func expectError(_ label: String, _ check: (ModelFileError) -> Bool) {
            let error = Self.loadError(folder)
            #expect(error.map(check) == true, "\(label): \(String(describing: error))")
        }

        try Data(goodTensors.prefix(goodTensors.count - 7)).write(to: tensors)
        expectError("truncated tensors") { if case .truncated(let file, _) = $0 { file.hasSuffix("model.safetensors") } else { false } }
        try goodTensors.write(to: tensors)

        try Data("{\"format\": \"backprop-model\", \"format_version\": 1, ".utf8).write(to: json)
        expectError("cut JSON") { if case .malformed(let file, _) = $0 { file.hasSuffix("model.json") } else { false } }
        try Data("{\"format\": \"something-else\", \"format_version\": 1}".utf8).write(to: json)
        expectError("foreign JSON") { "\($0)".contains("something-else") }
        let newer = String(decoding: goodJSON, as: UTF8.self).replacingOccurrences(of: "\"format_version\" : 2", with: "\"format_version\" : 7")
        #expect(newer != String(decoding: goodJSON, as: UTF8.self))
        try Data(newer.utf8).write(to: json)
        expectError("newer format") { $0 == .newerFormat(file: json.path, found: 7, supported: 2) && "\($0)".contains("upgrade") }
        let otherLayers = String(decoding: goodJSON, as: UTF8.self).replacingOccurrences(of: "\"kind\" : \"relu\"", with: "\"kind\" : \"tanh\"")
        try Data(otherLayers.utf8).write(to: json)
        expectError("layers against the blueprint") { "\($0)".contains("\"layers\" does not describe") }
        let wrongType = String(decoding: goodJSON, as: UTF8.self).replacingOccurrences(of: "\"loss\" : \"softmax-ce\"", with: "\"loss\" : 3")
        try Data(wrongType.utf8).write(to: json)
        expectError("wrong type") { "\($0)".contains("loss") }
        try goodJSON.write(to: json)

        var file = try SafeTensors(data: goodTensors, file: "m")
        file.tensors.removeAll { $0.name == "layers.1.running_var" }
        try file.encoded().write(to: tensors)
        expectError("missing tensor") { $0 == .missingTensor(file: tensors.path, name: "layers.1.running_var") }

        file = try SafeTensors(data: goodTensors, file: "m")
        let index = try #require(file.tensors.firstIndex { $0.name == "layers.0.weight" })
        file.tensors[index].shape = [2, 16]
        try file.encoded().write(to: tensors)
        expectError("shape mismatch") { $0 == .shapeMismatch(file: tensors.path, name: "layers.0.weight", expected: [16, 2], actual: [2, 16]) }

        try FileManager.default.removeItem(at: json)
        expectError("no model.json") { "\($0)".contains("not a model folder") }
    }

    @Test func checkpointFilesRejectCorruptionAndFallBackToThePreviousOne() throws {
        var recipe = TrainingRecipe()
        recipe.data = "moons:n=100"
        recipe.epochs = 2
        let run = try TrainingRun(recipe: recipe)
        var snapshot: TrainingSnapshot?
        try run.fit(epochCompleted: { snapshot = $0.snapshot() })
        let folder = Self.folder()
        try Checkpoint(recipe: recipe, snapshot: try #require(snapshot)).write(into: folder)
        let checkpoint = folder.appendingPathComponent("checkpoint")
        let tensors = checkpoint.appendingPathComponent("checkpoint.safetensors")
        let good = try Data(contentsOf: tensors)
        try Data(good.prefix(100)).write(to: tensors)
        #expect { try Checkpoint.read(from: folder) } throws: { "\($0)".contains("checkpoint.safetensors") && "\($0)".contains("truncated") }
        try good.write(to: tensors)
        try Data("{\"format\": \"backprop-checkpoint\", \"format_version\": \(Checkpoint.currentFormatVersion + 1)}".utf8).write(to: checkpoint.appendingPathComponent("checkpoint.json"))
        #expect { try Checkpoint.read(from: folder) } throws: { ($0 as? ModelFileError).map { if case .newerFormat = $0 { true } else { false } } == true }

        // A crash between the renames leaves only checkpoint.previous/: it is used.
        try Checkpoint(recipe: recipe, snapshot: try #require(snapshot)).write(into: folder)
        try FileManager.default.moveItem(at: checkpoint, to: folder.appendingPathComponent("checkpoint.previous"))
        #expect(try Checkpoint.read(from: folder).snapshot == snapshot)
        #expect(Checkpoint.exists(in: folder))
        #expect(!Checkpoint.exists(in: Self.folder()))
    }

    // MARK: - Format 1

    /// `Tests/Fixtures/model-format-1`: a model written by the format-1 writer (leaky ReLU
    /// fused into its dense layers, batch norm after the activation, dropout, standardised
    /// inputs), with the probabilities that writer's build predicted for `rows.csv`.
    static let formatOneFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/model-format-1")

    @Test func aFormatOneModelStillLoadsAndPredictsAsItsWriterDid() throws {
        let folder = Self.formatOneFolder
        let manifestText = try String(contentsOf: folder.appendingPathComponent("model.json"), encoding: .utf8)
        #expect(manifestText.contains("\"format_version\" : 1") && manifestText.contains("\"_0\""), "the fixture is in the old form")
        let model = try Model.load(from: folder)
        #expect(model.manifest.blueprint.hiddenActivation == .function(.leakyReLU(alpha: 0.1)))
        #expect(model.manifest.formatVersion == 2 && model.manifest.output == "softmax")
        #expect(model.manifest.layers?.map(\.kind) == ["linear", "leaky-relu", "batch-norm", "dropout", "linear", "leaky-relu", "batch-norm",
                                                        "dropout", "linear"])
        func table(_ name: String) throws -> [[Double]] {
            try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
                .split(separator: "\n").dropFirst().map { $0.split(separator: ",").map { Double(String($0))! } }
        }
        let inputs = try table("rows.csv")
        let rows = Matrix<Float>(rows: inputs.count, columns: 2, elements: inputs.flatMap { $0.map(Float.init) })
        let expected = try table("expected-probabilities.csv").map { Array($0.dropFirst()) }
        let probabilities = try model.classProbabilities(rows)
        #expect(probabilities.count == expected.count && expected.count == 5)
        for (row, values) in zip(probabilities, expected) {
            for (value, written) in zip(row, values) { #expect(abs(value - written) <= 1e-6, "\(row) against \(values)") }
        }

        // Saved again, it is a format-2 folder with the tensors renamed after the layer list.
        let resaved = Self.folder()
        try model.save(to: resaved)
        let json = try String(contentsOf: resaved.appendingPathComponent("model.json"), encoding: .utf8)
        #expect(json.contains("\"format_version\" : 2") && json.contains("\"hiddenActivation\" : \"leaky-relu:alpha=0.1\"") && !json.contains("_0"))
        let tensors = try SafeTensors(contentsOf: resaved.appendingPathComponent("model.safetensors"))
        #expect(tensors.metadata["format_version"] == "2")
        #expect(Set(tensors.tensors.map(\.name)).isSuperset(of: ["layers.0.weight", "layers.2.running_var", "layers.4.weight", "layers.6.bias", "layers.8.bias"]))
        let old = try SafeTensors(contentsOf: folder.appendingPathComponent("model.safetensors"))
        #expect(tensors["layers.8.weight"]?.values == old["layers.6.weight"]?.values)
        #expect(try Model.load(from: resaved).classProbabilities(rows) == probabilities)
    }

    // MARK: - Independent reader

    @Test func pythonReaderSeesTheTrainedModel() throws {
        let (run, folder) = try Self.savedModel()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Scripts/read_safetensors.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, folder.appendingPathComponent("model.safetensors").path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = Pipe()
        do { try process.run() } catch {
            print("Skipping the independent reader check: python3 is not available")
            return
        }
        let bytes = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus == 3 || process.terminationStatus == 127 {
            print("Skipping the independent reader check: python3 with numpy is not available")
            return
        }
        try #require(process.terminationStatus == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
        let metadata = try #require(json["metadata"] as? [String: String])
        #expect(metadata["format_version"] == "2" && metadata["format"] == "pt")
        let tensors = try #require(json["tensors"] as? [String: [String: Any]])
        // Dense(2→16, no bias), BatchNorm(16), relu, Dense(16→16, no bias), BatchNorm, relu, Dense(16→2).
        let expectedShapes: [String: [Int]] = [
            "layers.0.weight": [16, 2], "layers.1.weight": [16], "layers.1.bias": [16], "layers.1.running_mean": [16],
            "layers.1.running_var": [16], "layers.3.weight": [16, 16], "layers.4.weight": [16], "layers.4.bias": [16],
            "layers.4.running_mean": [16], "layers.4.running_var": [16], "layers.6.weight": [2, 16], "layers.6.bias": [2],
        ]
        #expect(Set(tensors.keys) == Set(expectedShapes.keys))
        for (name, shape) in expectedShapes {
            #expect(tensors[name]?["shape"] as? [Int] == shape, "\(name)")
            #expect(tensors[name]?["dtype"] as? String == "F32")
        }
        // No fused activation here, so the network's own tensor names are the file's.
        let live = Dictionary(uniqueKeysWithValues: run.network.namedParameters.map { ($0.name, $0.parameter.value.elements) }
                              + run.network.namedBuffers.map { ($0.name, $0.value.elements) })
        #expect(Set(live.keys) == Set(tensors.keys))
        for (name, values) in live {
            let read = try #require(tensors[name]?["values"] as? [Double], "\(name)")
            // JSON parsing may be off in the last bit of a double; the float32 values are exact.
            #expect(read.map(Float.init) == values, "\(name) values differ")
        }
    }
}

@Suite("The JSON Schema of model.json")
struct ModelSchemaTests {
    /// `schemas/model.schema.json` in the repository.
    static func schema() throws -> [String: Any] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("schemas/model.schema.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func everyFieldAWrittenModelHasIsDescribed() throws {
        let schema = try Self.schema()
        let properties = try #require(schema["properties"] as? [String: Any])
        let blueprintProperties = try #require((properties["blueprint"] as? [String: Any])?["properties"] as? [String: Any])
        var recipe = TrainingRecipe()
        recipe.data = "moons:n=100"
        recipe.layers = [2, 4, 1]
        recipe.loss = .binaryCrossEntropy
        recipe.epochs = 1
        recipe.batchNorm = .afterActivation
        recipe.batchNormEpsilon = 0.001
        recipe.dropout = [0.2]
        recipe.dropoutStyle = .vanilla
        let run = try TrainingRun(recipe: recipe)
        _ = try run.fit()
        let manifest = try Model(run: run, metrics: [:]).manifest
        let json = try #require(try JSONSerialization.jsonObject(with: manifest.encoded()) as? [String: Any])
        #expect(Set(json.keys).isSubset(of: Set(properties.keys)), "\(Set(json.keys).subtracting(properties.keys))")
        let required = try #require(schema["required"] as? [String])
        #expect(Set(required).isSubset(of: Set(json.keys)))
        let blueprint = try #require(json["blueprint"] as? [String: Any])
        #expect(Set(blueprint.keys).isSubset(of: Set(blueprintProperties.keys)), "\(Set(blueprint.keys).subtracting(blueprintProperties.keys))")
        #expect((properties["format_version"] as? [String: Any]) != nil && ModelManifest.currentFormatVersion == 2)
        let layerProperties = try #require(((properties["layers"] as? [String: Any])?["items"] as? [String: Any])?["properties"] as? [String: Any])
        for layer in try #require(json["layers"] as? [[String: Any]]) {
            #expect(Set(layer.keys).isSubset(of: Set(layerProperties.keys)), "\(Set(layer.keys).subtracting(layerProperties.keys))")
        }
        #expect(blueprint["hiddenActivation"] as? String == "relu")
    }
}
