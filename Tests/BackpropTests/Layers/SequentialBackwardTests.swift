import Testing
import Backprop
@testable import BackpropCore

@Suite("Sequential backward pass")
struct SequentialBackwardTests {
    /// Layers before the first one with parameters (input dropout or noise) receive no
    /// gradient, and that first layer is not asked for its input gradient: the product
    /// `dX = dZ·W` of the widest layer would be computed only to be thrown away.
    @Test func stopsAtTheFirstLayerWithParameters() throws {
        let inputSide = RecordingLayer(width: 3), between = RecordingLayer(width: 4)
        let first = Dense<Double>(inputCount: 3, outputCount: 4)
        let network = try Sequential<Double>([inputSide, first, between, Dense(inputCount: 4, outputCount: 2)])
        randomizeParameters(network, seed: 1, scale: 1)
        _ = try network.forward(randomMatrix(5, 3, seed: 2), mode: .training)
        network.backward(randomMatrix(5, 2, seed: 3))
        #expect(inputSide.backwardRequests.isEmpty)
        #expect(between.backwardRequests == [true])
        #expect(first.parameters.allSatisfy { $0.gradient.elements.contains { $0 != 0 } })
    }

    @Test func aNetworkWithoutParametersRunsNoBackwardPass() throws {
        let only = RecordingLayer(width: 2)
        let network = try Sequential<Double>([only])
        _ = try network.forward(randomMatrix(3, 2, seed: 4), mode: .training)
        network.backward(randomMatrix(3, 2, seed: 5))
        #expect(only.backwardRequests.isEmpty)
    }
}
