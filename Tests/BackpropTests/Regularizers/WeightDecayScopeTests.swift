import Foundation
import Testing
import Backprop
@testable import BackpropCore

/// Weight decay — L2 in the cost and AdamW's decoupled decay — acts on the weight matrices
/// of dense layers only: biases, batch-norm scales and shifts and PReLU slopes are never
/// decayed (see the Regularization article).
@Suite("Weight decay scope")
struct WeightDecayScopeTests {
    /// Dense 2→3, batch norm (γ, β), PReLU (slopes), Dense 3→2: every kind of parameter.
    static func network() throws -> Sequential<Double> {
        let network = try Sequential<Double>([
            Dense(inputCount: 2, outputCount: 3), BatchNormalization(width: 3), PReLU(unitCount: 3), Dense(inputCount: 3, outputCount: 2),
        ])
        randomizeParameters(network, seed: 12)
        return network
    }

    static let weightNames = ["layers.0.weight", "layers.3.weight"]

    @Test func onlyTheDenseWeightMatricesAreRegularised() throws {
        let named = try Self.network().namedParameters
        #expect(named.map(\.name) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "layers.2.weight",
                                      "layers.3.weight", "layers.3.bias"])
        #expect(named.filter(\.parameter.isRegularized).map(\.name) == Self.weightNames)
    }

    @Test func adamWDecaysWeightsAndLeavesTheOtherKindsToAdamAlone() throws {
        let network = try Self.network()
        for parameter in network.parameters {
            parameter.value.fill(2)
            parameter.gradient.fill(0.5)
        }
        let adamW = try OptimizerConfiguration(parsing: "adamw:decay=0.01").makeOptimizer(scalar: Double.self)
        adamW.update(network.parameters, learningRate: 0.1)
        // First Adam step: v̂ = g = 0.5, ŝ = g² = 0.25, step = α·v̂/(√ŝ + ε).
        let step = 0.1 * 0.5 / (0.5 + 1e-8)
        for entry in network.namedParameters {
            let expected = Self.weightNames.contains(entry.name) ? 2 * (1 - 0.1 * 0.01) - step : 2 - step
            #expect(entry.parameter.value.elements.allSatisfy { isClose($0, expected, absolute: 1e-15, relative: 1e-15) }, "\(entry.name)")
        }
    }

    @Test func l2AddsItsGradientToWeightsOnly() throws {
        let network = try Self.network()
        let features: Matrix<Double> = randomMatrix(6, 2, seed: 4)
        let targets = Matrix<Double>(rows: 6, columns: 2)
        for row in 0..<6 { targets[row, row % 2] = 1 }
        func gradients(lambda: Double?) throws -> (cost: Double, gradients: [[Double]]) {
            let step = TrainingStep(network: network, loss: SoftmaxCrossEntropy(), optimizer: GradientDescent(),
                                    regularizer: lambda.map { L2<Double>(lambda: $0) }, penaltyExampleCount: 30, batchCapacity: 6)
            let cost = try step.computeGradients(features: features, targets: targets)
            return (cost, network.parameters.map(\.gradient.elements))
        }
        let plain = try gradients(lambda: nil), penalised = try gradients(lambda: 3)
        var penalty = 0.0
        for (index, entry) in network.namedParameters.enumerated() {
            let w = entry.parameter.value.elements
            let isWeight = Self.weightNames.contains(entry.name)
            // ∂R/∂W = (λ/n)·W = (3/30)·W for weights; nothing for the other kinds.
            let expected = zip(plain.gradients[index], w).map { $0 + (isWeight ? 0.1 * $1 : 0) }
            #expect(allClose(penalised.gradients[index], expected, absolute: 1e-15, relative: 1e-13), "\(entry.name)")
            if isWeight { penalty += w.reduce(0) { $0 + $1 * $1 } }
        }
        // R = λ/(2n)·Σ‖W‖² over the two weight matrices.
        #expect(isClose(penalised.cost - plain.cost, 3.0 / 60 * penalty, absolute: 1e-14, relative: 1e-12))
    }
}
