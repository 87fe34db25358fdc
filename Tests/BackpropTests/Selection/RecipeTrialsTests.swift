import Foundation
import Testing
import Backprop
@testable import BackpropModelFiles
@testable import BackpropRecipes
@testable import BackpropSelection

@Suite("RecipeTrials")
struct RecipeTrialsTests {
    private func base(_ search: String) throws -> RunConfiguration {
        try RunConfiguration.parse("data: \"moons:n=200\"\nlayers: [2, 8, 2]\nepochs: 4\nsearch:\n\(search)", format: .yaml, file: "space.yaml")
    }

    @Test("A 2 × 3 grid over recipe keys runs exactly 6 trials, each training its values")
    func gridOfSix() throws {
        let configuration = try base("  lr: [0.05, 0.5]\n  hidden-units: [4, 8, 16]\n")
        let space = try #require(try configuration.searchSpace())
        let trials = try RecipeTrials(base: configuration)
        try trials.validate(space)
        let (store, _) = try makeStudy(StudyDescription(space: space, strategy: "grid", seed: 1,
                                                        objective: RecipeTrials.objectives["dev-accuracy"]!, budget: 4))
        let summary = try StudyDriver(store: store, strategy: GridSearch()).run(totalTrials: 100, runner: trials.runner())
        #expect(summary.completed == 6)
        let records = try store.trials()
        #expect(records.count == 6 && records.allSatisfy { $0.status == .completed && $0.objective != nil })
        let combinations = Set(records.map { "\($0.configuration["lr"]!)/\($0.configuration["hidden-units"]!)" })
        #expect(combinations.count == 6)
        let metrics = try store.metrics(trialID: records[0].id)
        #expect(metrics.keys.sorted() == [0, 1, 2, 3], "one report per epoch")
        #expect(metrics[3]?["dev_accuracy"] != nil && metrics[3]?["train_cost"] != nil)
        // The trial's recipe: the values applied, hidden units combined into layers, its budget and seed.
        let recipe = try trials.recipe(for: records[5].configuration, budget: 2, seed: 99)
        #expect(recipe.layers == [2, records[5].configuration["hidden-units"]!.numericValue.map { Int($0) }!, 2])
        #expect(recipe.epochs == 2 && recipe.seed == 99 && recipe.learningRate == records[5].configuration["lr"]!.numericValue)
    }

    @Test("Every trial sees the same data split whatever its seed")
    func sharedSplit() throws {
        let trials = try RecipeTrials(base: try base("  lr: [0.1]\n"))
        let configuration = TrialConfiguration(names: ["lr"], values: [.double(0.1)], point: [0.5])
        let first = try trials.run(for: configuration, budget: 1, seed: 5)
        let second = try trials.run(for: configuration, budget: 1, seed: 6)
        #expect(first.splits.dev!.features.elements == second.splits.dev!.features.elements)
        #expect(first.network.parameters[0].value.elements != second.network.parameters[0].value.elements, "weights follow the trial seed")
    }

    @Test("Unknown searched keys are named")
    func unknownKey() throws {
        let configuration = try base("  learning-rate: [0.1, 0.2]\n")
        #expect { try RecipeTrials(base: configuration).validate(try #require(try configuration.searchSpace())) } throws: {
            "\($0)".contains("learning-rate")
        }
    }
}
