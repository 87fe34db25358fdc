import Testing
import Backprop
@testable import BackpropCore

/// Every layer checked alone: parameter gradients through ``GradientCheck`` and the input
/// gradient by central differences, both below 1e-7 in `Double`.
@Suite("Layer gradients")
struct LayerGradientTests {
    /// Every function of the registry, and the parametrised ones with other parameters.
    static let activations: [Activation] = Activation.registry + [.leakyReLU(alpha: 0.2), .elu(alpha: 0.5)]

    /// Random regression targets for the quadratic cost, so every output matters.
    func targets(_ rows: Int, _ columns: Int) -> Matrix<Double> {
        randomMatrix(rows, columns, seed: 99)
    }

    @Test("Dense alone", arguments: activations)
    func dense(activation: Activation) throws {
        let layer = Dense<Double>(inputCount: 5, outputCount: 4, activation: activation)
        let network = try Sequential<Double>([layer])
        randomizeParameters(network, seed: 21, scale: 0.7)
        let inputs: Matrix<Double> = randomMatrix(6, 5, seed: 22)
        let report = try GradientCheck.run(network: network, loss: QuadraticCost(), inputs: inputs, targets: targets(6, 4))
        #expect(report.maxRelativeError < 1e-7, "\(activation): \(report.tensors)")
        #expect(report.tensors.map(\.name) == ["layers.0.weight", "layers.0.bias"])
        let upstream: Matrix<Double> = randomMatrix(6, 4, seed: 23)
        #expect(try inputGradientError(layer, input: inputs, upstream: upstream) < 1e-7)
    }

    @Test func denseWithoutBias() throws {
        let layer = Dense<Double>(inputCount: 3, outputCount: 2, activation: .tanh, hasBias: false)
        let network = try Sequential<Double>([layer])
        randomizeParameters(network, seed: 24)
        let report = try GradientCheck.run(network: network, loss: QuadraticCost(), inputs: randomMatrix(4, 3, seed: 25), targets: targets(4, 2))
        #expect(report.maxRelativeError < 1e-7)
        #expect(report.tensors.map(\.name) == ["layers.0.weight"])
    }

    @Test("ActivationLayer alone", arguments: activations)
    func activationLayer(activation: Activation) throws {
        let layer = ActivationLayer<Double>(activation, width: 4)
        let inputs: Matrix<Double> = randomMatrix(5, 4, seed: 31, scale: 1.5)
        let upstream: Matrix<Double> = randomMatrix(5, 4, seed: 32)
        #expect(try inputGradientError(layer, input: inputs, upstream: upstream) < 1e-7, "\(activation)")
        // Behind a linear layer, the activation's backward feeds that layer's weight gradient.
        let network = try Sequential<Double>([Dense(inputCount: 3, outputCount: 4), ActivationLayer(activation, width: 4)])
        randomizeParameters(network, seed: 33)
        let report = try GradientCheck.run(network: network, loss: QuadraticCost(), inputs: randomMatrix(5, 3, seed: 34), targets: targets(5, 4))
        #expect(report.maxRelativeError < 1e-7, "\(activation): \(report.tensors)")
    }

    @Test func preluAlone() throws {
        let layer = PReLU<Double>(unitCount: 4)
        let network = try Sequential<Double>([layer])
        randomizeParameters(network, seed: 41)
        let inputs: Matrix<Double> = randomMatrix(8, 4, seed: 42)
        let report = try GradientCheck.run(network: network, loss: QuadraticCost(), inputs: inputs, targets: targets(8, 4))
        #expect(report.maxRelativeError < 1e-7, "\(report.tensors)")
        #expect(report.tensors.map(\.name) == ["layers.0.weight"])
        #expect(try inputGradientError(layer, input: inputs, upstream: randomMatrix(8, 4, seed: 43)) < 1e-7)
    }

    @Test("Maxout alone", arguments: [1, 2, 3])
    func maxoutAlone(pieces: Int) throws {
        let layer = Maxout<Double>(inputCount: 4, outputCount: 3, pieces: pieces)
        let network = try Sequential<Double>([layer])
        randomizeParameters(network, seed: 51)
        let inputs: Matrix<Double> = randomMatrix(7, 4, seed: 52)
        let report = try GradientCheck.run(network: network, loss: QuadraticCost(), inputs: inputs, targets: targets(7, 3))
        #expect(report.maxRelativeError < 1e-7, "\(report.tensors)")
        #expect(try inputGradientError(layer, input: inputs, upstream: randomMatrix(7, 3, seed: 53)) < 1e-7)
    }

    @Test func mixedNetworkWithEveryLayerKind() throws {
        let network = try Sequential<Double>([
            Dense(inputCount: 4, outputCount: 6, activation: .elu()),
            Maxout(inputCount: 6, outputCount: 5, pieces: 2),
            Dense(inputCount: 5, outputCount: 5),
            PReLU(unitCount: 5),
            ActivationLayer(.tanh, width: 5),
            Dense(inputCount: 5, outputCount: 3),
        ])
        randomizeParameters(network, seed: 61)
        let labels = [0, 2, 1, 1, 0, 2]
        let report = try GradientCheck.run(
            network: network, loss: SoftmaxCrossEntropy(), inputs: randomMatrix(6, 4, seed: 62),
            targets: try .oneHot(labels: labels, classCount: 3))
        #expect(report.maxRelativeError < 1e-7, "\(report.tensors)")
    }

    @Test func backwardOverwritesGradients() throws {
        let network = try Sequential<Double>.mlp([3, 4, 2], hiddenActivation: .prelu())
        randomizeParameters(network, seed: 71)
        let inputs: Matrix<Double> = randomMatrix(5, 3, seed: 72)
        let targets = try Matrix<Double>.oneHot(labels: [0, 1, 1, 0, 1], classCount: 2)
        let loss = SoftmaxCrossEntropy<Double>()
        func gradients() throws -> [Double] {
            let logits = try network.forward(inputs, mode: .training)
            let gradient = Matrix<Double>(rows: 5, columns: 2)
            _ = loss.cost(logits: logits, targets: targets, gradient: gradient)
            network.backward(gradient)
            return network.parameters.flatMap(\.gradient.elements)
        }
        let first = try gradients()
        #expect(try gradients() == first)
    }
}
