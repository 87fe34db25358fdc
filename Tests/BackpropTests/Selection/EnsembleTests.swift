import Foundation
import Testing
import Backprop
@testable import BackpropCore
@testable import BackpropModelFiles
@testable import BackpropRecipes
@testable import BackpropSelection

@Suite("Ensemble")
struct EnsembleTests {
    private func recipe() -> TrainingRecipe {
        var recipe = TrainingRecipe()
        recipe.data = "moons:n=600,noise=0.3"
        recipe.layers = [2, 12, 2]
        recipe.epochs = 15
        recipe.seed = 3
        return recipe
    }

    @Test("An ensemble of 5 on moons is at least as accurate as the mean of its members")
    func ensembleBeatsMeanMember() throws {
        let ensemble = try Ensemble.train(recipe: recipe(), members: 5)
        #expect(ensemble.members.map(\.recipe.seed) == [3, 4, 5, 6, 7])
        for part in [ensemble.splits.dev!, ensemble.splits.test!] {
            let labels = try #require(part.labels)
            let members = try ensemble.members.map { try $0.network.accuracy(part.features, labels: labels, loss: $0.trainer.loss) }
            let mean = members.reduce(0, +) / Double(members.count)
            let combined = try ensemble.accuracy(on: part)
            #expect(combined >= mean, "ensemble \(combined) vs members \(members)")
            #expect(Set(members).count > 1, "members from different seeds differ: \(members)")
        }
    }

    @Test("The ensemble's probabilities are the mean of its members' probabilities; members share the split")
    func averagesProbabilities() throws {
        let ensemble = try Ensemble.train(recipe: recipe(), members: 3)
        let inputs = ensemble.splits.dev!.features
        let averaged = try ensemble.probabilities(inputs)
        let each = try ensemble.members.map { try $0.network.predictProbabilities(inputs, loss: $0.trainer.loss) }
        for index in stride(from: 0, to: averaged.count, by: 7) {
            let mean = each.map { Double($0.base[index]) }.reduce(0, +) / 3
            #expect(isClose(Double(averaged.base[index]), mean, absolute: 1e-6, relative: 0))
        }
        let first = ensemble.members[0].splits.dev!.features.elements
        #expect(ensemble.members.allSatisfy { $0.splits.dev!.features.elements == first })
    }

    @Test("Saving writes ensemble.json and one model folder per member that loads back")
    func saving() throws {
        let ensemble = try Ensemble.train(recipe: recipe(), members: 2)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ensemble-\(UUID().uuidString)")
        try ensemble.save(to: folder)
        let file = folder.appendingPathComponent("ensemble.json")
        let manifest = try EnsembleManifest(data: Data(contentsOf: file), file: file.path)
        #expect(manifest.members == ["member-1", "member-2"] && manifest.seeds == [3, 4])
        #expect(manifest.format == "backprop-ensemble" && manifest.formatVersion == 1 && manifest.combination == "mean-probability")
        #expect(manifest.classNames == ensemble.splits.train.classNames && manifest.featureCount == 2)
        let loaded = try EnsembleModel.load(from: folder)
        #expect(loaded.members[1].manifest.blueprint.sizes == [2, 12, 2] && loaded.members[1].manifest.recipe.seed == 4)
        #expect(loaded.members[1].network.parameters.map(\.value.elements) == ensemble.members[1].network.parameters.map(\.value.elements))
        #expect(throws: NetworkError.self) { try Ensemble.train(recipe: recipe(), members: 0) }
    }
}
