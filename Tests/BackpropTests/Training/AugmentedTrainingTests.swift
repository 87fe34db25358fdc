import Testing
import Backprop
@testable import BackpropData
@testable import BackpropRecipes
@testable import BackpropRuns

@Suite("Training with augmentation")
struct AugmentedTrainingTests {
    /// Blobs in 16 dimensions read as 4×4 images.
    func recipe(augment: String?) throws -> TrainingRecipe {
        var recipe = TrainingRecipe()
        recipe.data = "blobs:n=120,dimensions=16,classes=3"
        recipe.layers = [16, 8, 3]
        recipe.epochs = 3
        recipe.augmentation = try augment.map { try AugmentationOptions(parsing: $0) }
        return recipe
    }

    @Test func everyTrainingBatchIsTransformedAndRunsRepeat() throws {
        let plain = try TrainingRun(recipe: recipe(augment: nil))
        let augmented = try TrainingRun(recipe: recipe(augment: "shift,rotate"))
        #expect(plain.trainer.batchTransform == nil)
        #expect(augmented.trainer.batchTransform != nil)
        let before = plain.network.parameters.map(\.value.elements)
        #expect(augmented.network.parameters.map(\.value.elements) == before, "augmentation draws come after the initial weights")
        let plainHistory = try plain.fit()
        let augmentedHistory = try augmented.fit()
        #expect(plainHistory.batchCosts != augmentedHistory.batchCosts, "the distorted batches give other costs")
        let again = try TrainingRun(recipe: recipe(augment: "shift,rotate"))
        #expect(try again.fit().batchCosts == augmentedHistory.batchCosts, "same seed, same distortions")
    }
}
