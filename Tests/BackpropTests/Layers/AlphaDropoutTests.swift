import Testing
import Backprop
@testable import BackpropCore

/// Alpha dropout (`--dropout-style alpha`): the affine constants against values computed by
/// hand, mean and variance kept on standard normal inputs, the identity at inference and the
/// backward pass through the kept units only.
@Suite("Alpha dropout")
struct AlphaDropoutTests {
    @Test func constantsMatchTheClosedForm() {
        // α' = −λα; a = (p + α'²p(1 − p))^(−1/2), b = −a(1 − p)α', evaluated in Python.
        let nine = DropoutStyle.alphaAffine(keepProbability: 0.9)
        #expect(isClose(nine.scale, 0.9212845161497115) && isClose(nine.shift, 0.16197097005757016))
        #expect(isClose(nine.dropped, -1.457738730518132))
        let half = DropoutStyle.alphaAffine(keepProbability: 0.5)
        #expect(isClose(half.scale, 0.8864048946659319) && isClose(half.shift, 0.7791939305180315))
        #expect(isClose(half.dropped, -0.7791939305180315))
    }

    @Test("Standard normal inputs keep mean 0 and variance 1", arguments: [0.1, 0.3, 0.5])
    func keepsMeanAndVariance(drop: Double) throws {
        let dropout = Dropout<Double>(width: 400, dropProbability: drop, random: RandomGenerator(seed: 5), style: .alpha)
        let inputs: Matrix<Double> = randomMatrix(500, 400, seed: 6)
        let values = try dropout.forward(inputs, mode: .training).elements
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
        #expect(abs(mean) < 0.01, "mean \(mean)")
        #expect(abs(variance - 1) < 0.01, "variance \(variance)")
        // The share set to the saturation value is the drop probability.
        let saturated = DropoutStyle.alphaAffine(keepProbability: 1 - drop).dropped
        let droppedShare = Double(values.filter { $0 == saturated }.count) / Double(values.count)
        #expect(abs(droppedShare - drop) < 0.005)
    }

    @Test func inferenceIsTheIdentity() throws {
        let dropout = Dropout<Float>(width: 8, dropProbability: 0.2, random: RandomGenerator(seed: 7), style: .alpha)
        let inputs: Matrix<Float> = randomMatrix(4, 8, seed: 8)
        #expect(try dropout.forward(inputs, mode: .inference).elements == inputs.elements)
        #expect(dropout.layerDescription.isTrainingOnly)
        #expect(dropout.description == "Dropout(8, drop 0.2, alpha)")
    }

    @Test func trainingMapsKeptAndDroppedUnitsAndBackpropagatesThroughKeptOnes() throws {
        let dropout = Dropout<Double>(width: 6, dropProbability: 0.4, random: RandomGenerator(seed: 9), style: .alpha)
        let inputs: Matrix<Double> = randomMatrix(5, 6, seed: 10)
        let outputs = try dropout.forward(inputs, mode: .training).elements
        let (scale, shift, dropped) = DropoutStyle.alphaAffine(keepProbability: 0.6)
        let mask = try #require(dropout.latestMask).elements
        #expect(Set(mask) == [0, scale])
        for i in 0..<outputs.count {
            #expect(isClose(outputs[i], mask[i] == 0 ? dropped : inputs.elements[i] * scale + shift))
        }
        let upstream: Matrix<Double> = randomMatrix(5, 6, seed: 11)
        let gradient = try #require(dropout.backward(upstream, needsInputGradient: true)).elements
        #expect(gradient == zip(upstream.elements, mask).map { $0 * $1 })
    }

    @Test func recipeBuildsAlphaDropoutLayers() throws {
        let config = try RunConfiguration.parse("activation: selu\ndropout: 0.1\ndropout-style: alpha\n", format: .yaml, file: "run.yaml")
        let recipe = try TrainingRecipe(configuration: config)
        #expect(recipe.dropoutStyle == .alpha)
        let run = try TrainingRun(recipe: recipe)
        let styles = run.network.layers.compactMap { ($0 as? Dropout<Float>)?.style }
        #expect(!styles.isEmpty && styles.allSatisfy { $0 == .alpha })
    }
}
