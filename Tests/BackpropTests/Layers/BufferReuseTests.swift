import Testing
import Backprop
@testable import BackpropCore

/// The training loop allocates nothing per batch: every layer hands back the same buffers
/// batch after batch, also for a smaller last batch.
@Suite("Buffer reuse")
struct BufferReuseTests {
    static let hiddenActivations = HiddenActivation.names

    @Test(arguments: hiddenActivations)
    func layersReuseTheirBuffers(activationName: String) throws {
        let network = try Sequential<Float>.mlp([5, 6, 4, 3], hiddenActivation: try #require(HiddenActivation(name: activationName)))
        randomizeParameters(network, seed: 1)
        let full: Matrix<Float> = randomMatrix(8, 5, seed: 2), last: Matrix<Float> = randomMatrix(3, 5, seed: 3)

        func outputs(_ input: Matrix<Float>) throws -> [ObjectIdentifier] {
            var result: [ObjectIdentifier] = []
            var activation = input
            for layer in network.layers {
                activation = try layer.forward(activation, mode: .training)
                result.append(ObjectIdentifier(activation))
            }
            var gradient = Matrix<Float>(rows: input.rows, columns: 3, repeating: 0.1)
            for index in network.layers.indices.reversed() {
                guard let next = network.layers[index].backward(gradient, needsInputGradient: true) else { break }
                result.append(ObjectIdentifier(next))
                gradient = next
            }
            return result
        }
        let first = try outputs(full)
        #expect(try outputs(full) == first)
        #expect(try outputs(last) == first)
        #expect(try outputs(full) == first)
    }

    @Test func lastBatchGivesTheSameValuesAsAFreshNetwork() throws {
        let network = try Sequential<Double>.mlp([4, 5, 2], hiddenActivation: .function(.tanh))
        randomizeParameters(network, seed: 4)
        let small: Matrix<Double> = randomMatrix(2, 4, seed: 5)
        let expected = try network.forward(small, mode: .inference).elements
        _ = try network.forward(randomMatrix(9, 4, seed: 6), mode: .inference)
        #expect(try network.forward(small, mode: .inference).elements == expected)
    }
}
