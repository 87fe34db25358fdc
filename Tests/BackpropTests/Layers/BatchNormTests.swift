import Testing
import Backprop
@testable import BackpropCore

@Suite("Batch normalisation")
struct BatchNormTests {
    @Test("passes gradient checking in training mode", arguments: [BatchNormPlacement.beforeActivation, .afterActivation])
    func gradientCheck(placement: BatchNormPlacement) throws {
        let blueprint = NetworkBlueprint(sizes: [4, 6, 5, 3], hiddenActivation: .function(.tanh), batchNormalization: placement)
        let network: Sequential<Double> = try blueprint.build()
        #expect(network.layers.filter { $0 is BatchNormalization<Double> }.count == 2)
        randomizeParameters(network, seed: 21, scale: 1)
        let inputs: Matrix<Double> = randomMatrix(9, 4, seed: 22)
        let targets = try Matrix<Double>.oneHot(labels: [0, 1, 2, 1, 0, 2, 2, 1, 0], classCount: 3)
        let report = try GradientCheck.run(network: network, loss: SoftmaxCrossEntropy(), inputs: inputs, targets: targets, epsilon: 1e-6)
        #expect(report.maxRelativeError < 1e-7, "\(report.tensors)")
    }

    @Test func inputGradientMatchesFiniteDifferences() throws {
        // J = Σ c ⊙ BN(x): checks dx, which no parameter check of the first layer covers.
        let norm = BatchNormalization<Double>(width: 3)
        for j in 0..<3 { norm.weight.value[0, j] = Double(j) + 0.5; norm.bias.value[0, j] = 0.1 * Double(j) }
        let x: Matrix<Double> = randomMatrix(5, 3, seed: 1)
        let c: Matrix<Double> = randomMatrix(5, 3, seed: 2)
        func objective() throws -> Double {
            zip(try norm.forward(x, mode: .training).elements, c.elements).map { $0 * $1 }.reduce(0, +)
        }
        _ = try objective()
        let dX = try #require(norm.backward(c, needsInputGradient: true)).elements
        let epsilon = 1e-6
        for i in 0..<x.count {
            let original = x.base[i]
            x.base[i] = original + epsilon
            let plus = try objective()
            x.base[i] = original - epsilon
            let minus = try objective()
            x.base[i] = original
            #expect(isClose((plus - minus) / (2 * epsilon), dX[i], absolute: 1e-8, relative: 1e-6))
        }
    }

    @Test func inferenceBackwardMatchesFiniteDifferences() throws {
        // With running statistics fixed, J = Σ c ⊙ BN(x) is affine in x and in γ.
        let norm = BatchNormalization<Double>(width: 3)
        _ = try norm.forward(randomMatrix(6, 3, seed: 3, scale: 2), mode: .training)
        for j in 0..<3 { norm.weight.value[0, j] = 1.5 - 0.4 * Double(j) }
        let x: Matrix<Double> = randomMatrix(4, 3, seed: 4)
        let c: Matrix<Double> = randomMatrix(4, 3, seed: 5)
        func objective() throws -> Double {
            zip(try norm.forward(x, mode: .inference).elements, c.elements).map { $0 * $1 }.reduce(0, +)
        }
        _ = try objective()
        let dX = try #require(norm.backward(c, needsInputGradient: true)).elements
        let dGamma = norm.weight.gradient.elements, dBeta = norm.bias.gradient.elements
        let epsilon = 1e-6
        func numeric(_ matrix: Matrix<Double>, _ i: Int) throws -> Double {
            let original = matrix.base[i]
            matrix.base[i] = original + epsilon
            let plus = try objective()
            matrix.base[i] = original - epsilon
            let minus = try objective()
            matrix.base[i] = original
            return (plus - minus) / (2 * epsilon)
        }
        for i in 0..<x.count { #expect(isClose(try numeric(x, i), dX[i], absolute: 1e-8, relative: 1e-6)) }
        for j in 0..<3 {
            #expect(isClose(try numeric(norm.weight.value, j), dGamma[j], absolute: 1e-8, relative: 1e-6))
            #expect(isClose(try numeric(norm.bias.value, j), dBeta[j], absolute: 1e-8, relative: 1e-6))
        }
    }

    @Test func trainingNormalisesAndUpdatesRunningStatisticsByHand() throws {
        let norm = BatchNormalization<Double>(width: 2)
        let x = Matrix<Double>([[1, 2], [3, 6]])
        let y = try norm.forward(x, mode: .training)
        // μ = (2, 4), σ² = (1, 4) (population), ε = 1e-5.
        let s0: Double = (1 + 1e-5).squareRoot(), s1: Double = (4 + 1e-5).squareRoot()
        let expected: [Double] = [-1 / s0, -2 / s1, 1 / s0, 2 / s1]
        #expect(allClose(y.elements, expected))
        // run_mean = 0.9·0 + 0.1·μ; run_var = 0.9·1 + 0.1·σ²·m/(m−1) with m/(m−1) = 2.
        #expect(allClose(norm.runningMean.elements, [0.2, 0.4]))
        let variances: [Double] = [0.9 + 0.1 * 2, 0.9 + 0.1 * 8]
        #expect(allClose(norm.runningVariance.elements, variances))
    }

    @Test func inferenceUsesTheRunningStatistics() throws {
        let norm = BatchNormalization<Double>(width: 2)
        _ = try norm.forward(Matrix([[1, 2], [3, 6]]), mode: .training)
        norm.weight.value[0, 0] = 2
        norm.weight.value[0, 1] = 3
        norm.bias.value[0, 0] = 0.5
        norm.bias.value[0, 1] = -1
        let x = Matrix<Double>([[5, 7]])  // a single example is fine at inference
        let y = try norm.forward(x, mode: .inference)
        let first: Double = 2 * (5 - 0.2) / (1.1 + 1e-5).squareRoot() + 0.5
        let second: Double = 3 * (7 - 0.4) / (1.7 + 1e-5).squareRoot() - 1
        let expected = [first, second]
        #expect(allClose(y.elements, expected))
        // Inference leaves the running statistics alone.
        #expect(allClose(norm.runningMean.elements, [0.2, 0.4]))
    }

    @Test func refusesATrainingBatchOfOne() throws {
        let norm = BatchNormalization<Float>(width: 3)
        #expect {
            try norm.forward(Matrix(rows: 1, columns: 3, repeating: 1), mode: .training)
        } throws: { error in
            "\(error)".contains("batch of 1 example") && "\(error)".contains("BatchNorm(3)")
        }
    }

    @Test func buffersAreNamedAndAreNotParameters() throws {
        let blueprint = NetworkBlueprint(sizes: [2, 4, 2], batchNormalization: .beforeActivation)
        let network: Sequential<Float> = try blueprint.build()
        #expect(network.namedBuffers.map(\.name) == ["layers.1.running_mean", "layers.1.running_var"])
        #expect(network.namedParameters.map(\.name) == ["layers.0.weight", "layers.1.weight", "layers.1.bias", "layers.3.weight", "layers.3.bias"])
        let norm = try #require(network.layers[1] as? BatchNormalization<Float>)
        #expect(norm.parameters.allSatisfy { !$0.isRegularized })
        #expect(norm.weight.value.elements == [1, 1, 1, 1] && norm.bias.value.elements == [0, 0, 0, 0])
        #expect(norm.runningVariance.elements == [1, 1, 1, 1] && norm.runningMean.elements == [0, 0, 0, 0])
        #expect((network.layers[0] as? Dense<Float>)?.bias == nil)
    }
}
