import Backprop
import Testing

@Suite("Layer descriptions")
struct LayerDescriptionTests {
    @Test("every layer kind describes its settings, sizes, parameters and buffers")
    func everyKindDescribesItself() {
        let random = RandomGenerator(seed: 1)
        let dense = Dense<Float>(inputCount: 4, outputCount: 3, activation: .tanh).layerDescription
        #expect(dense.kind == .dense(activation: .tanh, hasBias: true))
        #expect(dense.inputCount == 4 && dense.outputCount == 3)
        #expect(dense.parameters == [.init(name: "weight", rows: 3, columns: 4), .init(name: "bias", rows: 1, columns: 3)])
        #expect(dense.activation == .tanh && dense.isNonlinear)

        let linear = Dense<Float>(inputCount: 4, outputCount: 2, hasBias: false).layerDescription
        #expect(linear.kind == .dense(activation: .identity, hasBias: false))
        #expect(linear.activation == nil && !linear.isNonlinear && linear.parameters.count == 1)

        let norm = BatchNormalization<Float>(width: 5, epsilon: 1e-3, momentum: 0.8).layerDescription
        #expect(norm.kind == .batchNormalization(epsilon: 1e-3, momentum: 0.8))
        #expect(norm.buffers.map(\.name) == ["running_mean", "running_var"])
        #expect(norm.minimumTrainingBatchSize == 2)

        #expect(Maxout<Float>(inputCount: 6, outputCount: 2, pieces: 3).layerDescription.kind == .maxout(pieces: 3))
        #expect(PReLU<Float>(unitCount: 3).layerDescription.isNonlinear)
        #expect(ActivationLayer<Float>(.elu(alpha: 0.5), width: 3).layerDescription.activation == .elu(alpha: 0.5))
        let dropout = Dropout<Float>(width: 3, dropProbability: 0.2, random: random).layerDescription
        #expect(dropout.kind == .dropout(probability: 0.2, style: .inverted) && dropout.isTrainingOnly && dropout.minimumTrainingBatchSize == 1)
        let vanilla = Dropout<Float>(width: 3, dropProbability: 0.3, random: random, style: .vanilla).layerDescription
        #expect(vanilla.kind == .dropout(probability: 0.3, style: .vanilla) && !vanilla.isTrainingOnly)
        let noise = GaussianNoise<Float>(width: 3, standardDeviation: 0.1, random: random).layerDescription
        #expect(noise.kind == .gaussianNoise(standardDeviation: 0.1) && noise.isTrainingOnly)
        #expect(noise.kind.name == "gaussian-noise" && norm.kind.name == "batch-norm")
    }

    @Test("a dense first layer lets the network scan its pre-activation for a non-finite input")
    func denseWitnessesFiniteInput() throws {
        let network = try Sequential<Float>([Dense<Float>(inputCount: 2, outputCount: 3, activation: .relu),
                                             Dense<Float>(inputCount: 3, outputCount: 2)])
        #expect(network.layers[0].keepsFiniteInputWitness && !ActivationLayer<Float>(.relu, width: 2).keepsFiniteInputWitness)
        let input = Matrix<Float>(rows: 2, columns: 2, repeating: 1)
        input[1, 0] = .nan
        #expect(throws: NetworkError.nonFinite(place: "The input batch", row: 1, column: 0)) {
            _ = try network.forward(input, mode: .inference)
        }
    }
}
