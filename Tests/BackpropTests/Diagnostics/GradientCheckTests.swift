import Testing
import Backprop
@testable import BackpropCore

@Suite("Gradient checking")
struct GradientCheckTests {
    static let hiddenActivations: [String] = HiddenActivation.names

    @Test("3-hidden-layer network passes", arguments: hiddenActivations)
    func deepNetworkPasses(activationName: String) throws {
        let activation = try #require(HiddenActivation(name: activationName))
        let network = try Sequential<Double>.mlp([4, 6, 5, 5, 3], hiddenActivation: activation)
        randomizeParameters(network, seed: 3, scale: 1)
        let inputs: Matrix<Double> = randomMatrix(7, 4, seed: 11)
        let targets = try Matrix<Double>.oneHot(labels: [0, 1, 2, 1, 0, 2, 2], classCount: 3)
        let report = try GradientCheck.run(network: network, loss: SoftmaxCrossEntropy(), inputs: inputs, targets: targets)
        #expect(report.maxRelativeError < 1e-7, "\(activationName): \(report.tensors)")
        #expect(report.tensors.count == network.parameters.count)
    }

    @Test func includesTheRegularizationTerm() throws {
        let network = try Sequential<Double>.mlp([3, 4, 2], hiddenActivation: .function(.tanh))
        randomizeParameters(network, seed: 5)
        let inputs: Matrix<Double> = randomMatrix(5, 3, seed: 1)
        let targets = try Matrix<Double>.oneHot(labels: [0, 1, 1, 0, 1], classCount: 2)
        let report = try GradientCheck.run(network: network, loss: SoftmaxCrossEntropy(), inputs: inputs, targets: targets,
                                           regularizer: L2(lambda: 0.7), exampleCount: 20)
        #expect(report.maxRelativeError < 1e-7)
    }

    /// A layer whose backward forgets a factor of two: the check must catch it.
    final class BrokenDouble: Layer {
        typealias Scalar = Double
        let inputCount: Int
        var outputCount: Int { inputCount }
        let weight: Parameter<Double>
        private var input: Matrix<Double>?, output: Matrix<Double>?
        init(width: Int) {
            inputCount = width
            weight = Parameter(name: "weight", value: Matrix(rows: 1, columns: width, repeating: 0.8), isRegularized: true)
        }
        var parameters: [Parameter<Double>] { [weight] }
        var description: String { "BrokenDouble(\(inputCount))" }
        var layerDescription: LayerDescription { describe(as: .custom("broken-double")) }
        func forward(_ input: Matrix<Double>, mode: Mode) throws -> Matrix<Double> {
            self.input = input
            let result = Matrix<Double>(rows: input.rows, columns: inputCount)
            for r in 0..<input.rows { for j in 0..<inputCount { result[r, j] = 2 * weight.value[0, j] * input[r, j] } }
            output = result
            return result
        }
        func backward(_ outputGradient: Matrix<Double>, needsInputGradient: Bool) -> Matrix<Double>? {
            let input = input!
            weight.gradient.fill(0)
            for r in 0..<input.rows { for j in 0..<inputCount { weight.gradient[0, j] += outputGradient[r, j] * input[r, j] } }
            let dX = Matrix<Double>(rows: input.rows, columns: inputCount)
            for r in 0..<input.rows { for j in 0..<inputCount { dX[r, j] = outputGradient[r, j] * weight.value[0, j] } }
            return dX
        }
    }

    @Test func catchesAWrongBackward() throws {
        let network = try Sequential<Double>([Dense(inputCount: 3, outputCount: 4, activation: .tanh), BrokenDouble(width: 4), Dense(inputCount: 4, outputCount: 2)])
        randomizeParameters(network, seed: 8)
        let inputs: Matrix<Double> = randomMatrix(6, 3, seed: 2)
        let targets = try Matrix<Double>.oneHot(labels: [0, 1, 1, 0, 1, 0], classCount: 2)
        let report = try GradientCheck.run(network: network, loss: SoftmaxCrossEntropy(), inputs: inputs, targets: targets)
        #expect(report.maxRelativeError > 1e-3)
        #expect(!report.passed)
        #expect(report.verdict == .wrong)
        let broken = try #require(report.tensors.first { $0.name == "layers.1.weight" })
        #expect(broken.relativeError > 1e-3)
    }
}
