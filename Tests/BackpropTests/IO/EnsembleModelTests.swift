import Foundation
import Testing
import Backprop
@testable import BackpropCore
@testable import BackpropModelFiles
@testable import BackpropRecipes
@testable import BackpropRuns

@Suite("EnsembleModel")
struct EnsembleModelTests {
    /// A trained model of `data` (raw features standardised or not).
    private func model(data: String = "moons:n=200,noise=0.3", layers: [Int] = [2, 6, 2], standardize: Bool, seed: UInt64) throws -> Model {
        var recipe = TrainingRecipe()
        recipe.data = try SettingText(parsing: data)
        recipe.layers = layers
        recipe.epochs = 3
        recipe.seed = seed
        if standardize { recipe.preprocessing = [.standardize] }
        let run = try TrainingRun(recipe: recipe)
        try run.fit()
        return try Model(run: run, metrics: [:])
    }

    private func folder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("ensemble-model-\(UUID().uuidString)")
    }

    private let points = Matrix<Float>(rows: 4, columns: 2, elements: [0.5, 0.2, -1, 0.5, 1.8, -0.3, 0, 0])

    @Test("Probabilities are the mean of the members', each with its own preprocessing; saving keeps them")
    func meanOfMembers() throws {
        let first = try model(standardize: true, seed: 1), second = try model(standardize: false, seed: 2)
        #expect(first.pipeline != second.pipeline)
        let ensemble = try EnsembleModel(members: [first, second])
        let a = try first.classProbabilities(points), b = try second.classProbabilities(points)
        let mean = try ensemble.classProbabilities(points)
        for row in 0..<points.rows {
            for column in 0..<2 { #expect(abs(mean[row][column] - (a[row][column] + b[row][column]) / 2) < 1e-12) }
        }
        let raw = try ensemble.predictProbabilities(points)
        let rawA = try first.predictProbabilities(points), rawB = try second.predictProbabilities(points)
        #expect(allClose(raw.elements, zip(rawA.elements, rawB.elements).map { ($0 + $1) / 2 }, absolute: 1e-6, relative: 1e-6))

        let folder = folder()
        try ensemble.save(to: folder)
        for name in ["ensemble.json", "member-1/model.json", "member-1/model.safetensors", "member-2/model.json"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), "\(name)")
        }
        let loaded = try LoadedModel.load(from: folder)
        guard case let .ensemble(copy) = loaded else { Issue.record("an ensemble folder loads as an ensemble"); return }
        #expect(copy.manifest == ensemble.manifest && copy.manifest.seeds == [1, 2])
        #expect(try loaded.classProbabilities(points) == mean)
        #expect(loaded.featureCount == 2 && loaded.classNames == first.classNames && loaded.recipe == first.manifest.recipe)

        // The evaluation's accuracy is that of the arg-max of the averaged probabilities.
        let data = try TrainingRun.loadData(for: first.manifest.recipe).test!
        let evaluation = try copy.evaluate(data)
        let averaged = try ensemble.classProbabilities(data.features)
        let correct = zip(averaged, data.labels!).filter { row, label in row.indices.max { row[$0] < row[$1] } == label }.count
        #expect(evaluation.classification?.accuracy == Double(correct) / Double(data.count))
        #expect(evaluation.cost == evaluation.classification?.logLoss)
    }

    @Test("Members that cannot be averaged are refused, naming the member and the difference")
    func mismatchedMembers() throws {
        let moons = try model(standardize: false, seed: 1)
        let blobs = try model(data: "blobs:n=150,classes=3", layers: [2, 6, 3], standardize: false, seed: 1)
        #expect { try EnsembleModel(members: [moons, blobs]) } throws: { error in
            "\(error)".contains("member 2") && "\(error)".contains("outputs")
        }
        #expect(throws: NetworkError.self) { try EnsembleModel(members: []) }

        // A saved ensemble whose second member was replaced by an incompatible model.
        let folder = folder()
        try EnsembleModel(members: [moons, try model(standardize: true, seed: 2)]).save(to: folder)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("member-2"))
        try blobs.save(to: folder.appendingPathComponent("member-2"))
        #expect { try EnsembleModel.load(from: folder) } throws: { error in
            guard case let ModelFileError.malformed(file, detail) = error else { return false }
            return file.hasSuffix("member-2/model.json") && detail.contains("outputs")
        }
    }

    @Test("A missing or corrupted member, or a bad ensemble.json, gives a ModelFileError naming the file")
    func damagedFolders() throws {
        let folder = folder()
        try EnsembleModel(members: [try model(standardize: false, seed: 1), try model(standardize: false, seed: 2)]).save(to: folder)
        let tensors = folder.appendingPathComponent("member-1/model.safetensors")
        let bytes = try Data(contentsOf: tensors)
        try bytes.prefix(bytes.count / 2).write(to: tensors)
        #expect { try EnsembleModel.load(from: folder) } throws: { error in
            guard case let ModelFileError.truncated(file, _) = error else { return false }
            return file.hasSuffix("member-1/model.safetensors")
        }
        try bytes.write(to: tensors)
        _ = try EnsembleModel.load(from: folder)

        try FileManager.default.removeItem(at: folder.appendingPathComponent("member-2"))
        #expect { try LoadedModel.load(from: folder) } throws: { error in
            guard case let ModelFileError.unreadable(file, detail) = error else { return false }
            return file.hasSuffix("member-2") && detail.contains("missing")
        }

        let manifest = folder.appendingPathComponent("ensemble.json")
        try Data(#"{"format": "backprop-ensemble", "format_version": 1, "combination": "mean-probability", "members": ["member-1"], "seeds": [], "feature_count": 2, "output_count": 2, "backprop_version": "0"}"#.utf8).write(to: manifest)
        #expect { try EnsembleModel.load(from: folder) } throws: { error in
            "\(error)".contains("ensemble.json") && "\(error)".contains("0 seeds for 1 members")
        }
        try Data(#"{"format": "backprop-ensemble", "format_version": 2}"#.utf8).write(to: manifest)
        #expect(throws: ModelFileError.newerFormat(file: manifest.path, found: 2, supported: 1)) { try EnsembleModel.load(from: folder) }
    }
}
