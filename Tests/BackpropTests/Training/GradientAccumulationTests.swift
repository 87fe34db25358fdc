import Foundation
import Testing
import Backprop
@testable import BackpropCore

/// Gradient accumulation: `N` batches of `b` examples make the step one batch of `N·b`
/// examples makes, including the epoch's last, smaller group.
@Suite("Gradient accumulation")
struct GradientAccumulationTests {
    /// 50 examples: with batches of 4 and N = 3 an epoch has 13 batches, four groups of three
    /// and a last group of one batch of 2 examples — the same partition as batches of 12.
    static func data() throws -> Dataset<Double> {
        let features: Matrix<Double> = randomMatrix(50, 3, seed: 21)
        return try Dataset(features: features, labels: (0..<50).map { ($0 * 7) % 3 }, classCount: 3)
    }

    /// Trains a fresh 3-5-3 tanh network (same initial weights every call) and returns its
    /// weights and history.
    static func train(batchSize: Int, accumulate: Int, optimizer: any Optimizer<Double>, l2: Double = 0,
                      epochs: Int = 3) throws -> (weights: [Double], history: TrainingHistory) {
        let network = try Sequential<Double>.mlp([3, 5, 3], hiddenActivation: .function(.tanh))
        randomizeParameters(network, seed: 8)
        // The cosine in updates checks that the schedule counts optimiser steps.
        let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy(), optimizer: optimizer,
                              schedule: CosineSchedule(initialLearningRate: 0.05, length: 15, warmup: 2, unit: .steps),
                              regularizer: l2 > 0 ? L2(lambda: l2) : nil,
                              options: TrainingOptions(epochs: epochs, batchSize: batchSize, seed: 6, accumulationSteps: accumulate))
        let history = try trainer.fit(try data())
        return (network.parameters.flatMap { $0.value.elements }, history)
    }

    @Test("N accumulated batches of b equal one batch of N·b", arguments: ["sgd", "adam"])
    func accumulatedBatchesEqualTheConcatenatedBatch(optimizer name: String) throws {
        func optimizer() throws -> any Optimizer<Double> { try OptimizerConfiguration(parsing: name).makeOptimizer() }
        let accumulated = try Self.train(batchSize: 4, accumulate: 3, optimizer: try optimizer(), l2: 0.5)
        let concatenated = try Self.train(batchSize: 12, accumulate: 1, optimizer: try optimizer(), l2: 0.5)
        let single = try Self.train(batchSize: 4, accumulate: 1, optimizer: try optimizer(), l2: 0.5)
        #expect(allClose(accumulated.weights, concatenated.weights, absolute: 1e-13, relative: 1e-11))
        #expect(!allClose(accumulated.weights, single.weights, absolute: 1e-6, relative: 1e-6), "the comparison can fail")
        // One recorded cost and one step per group: 5 a epoch.
        #expect(accumulated.history.epochs.map(\.updates) == [5, 10, 15])
        #expect(allClose(accumulated.history.batchCosts, concatenated.history.batchCosts, absolute: 1e-13, relative: 1e-11))
        #expect(accumulated.history.epochs.map(\.learningRate) == concatenated.history.epochs.map(\.learningRate))
    }

    @Test func theLastPartialGroupMakesItsOwnStep() throws {
        let plan = try BatchPlan(exampleCount: 50, batchSize: 4)
        #expect(plan.batchesPerEpoch == 13 && plan.updatesPerEpoch(accumulating: 3) == 5)
        #expect((0..<5).map { plan.batches(ofUpdate: $0, accumulating: 3) } == [0..<3, 3..<6, 6..<9, 9..<12, 12..<13])
        #expect(plan.updatesPerEpoch(accumulating: 1) == 13 && plan.updatesPerEpoch(accumulating: 13) == 1 && plan.updatesPerEpoch(accumulating: 20) == 1)
    }

    @Test func accumulatorAveragesByRows() throws {
        let parameter = Parameter<Double>(name: "weight", value: Matrix(rows: 1, columns: 2), isRegularized: true)
        let accumulator = GradientAccumulator(parameters: [parameter])
        parameter.gradient.base[0] = 1; parameter.gradient.base[1] = -3
        accumulator.add(rows: 4, cost: 2)
        parameter.gradient.base[0] = 5; parameter.gradient.base[1] = 1
        accumulator.add(rows: 2, cost: 8)
        let cost = accumulator.finish()
        // (4·1 + 2·5)/6 = 7/3, (4·(−3) + 2·1)/6 = −5/3, cost (4·2 + 2·8)/6 = 4.
        #expect(isClose(parameter.gradient.base[0], 7.0 / 3) && isClose(parameter.gradient.base[1], -5.0 / 3) && cost == 4)
        // A new sum starts after finishing.
        parameter.gradient.base[0] = 2; parameter.gradient.base[1] = 4
        accumulator.add(rows: 3, cost: 1)
        #expect(accumulator.finish() == 1 && parameter.gradient.base[0] == 2 && parameter.gradient.base[1] == 4)
    }

    @Test func aCountBelowOneIsRefused() throws {
        #expect(throws: TrainingError.self) {
            try Self.train(batchSize: 4, accumulate: 0, optimizer: GradientDescent())
        }
    }

    @Test func aNonFiniteGradientInAnyBatchOfAGroupStopsBeforeTheUpdate() throws {
        let features: Matrix<Double> = randomMatrix(12, 3, seed: 2)
        features[10, 1] = 1e300
        let data = try Dataset(features: features, labels: (0..<12).map { $0 % 3 }, classCount: 3)
        let network = try Sequential<Double>.mlp([3, 4, 3])
        randomizeParameters(network, seed: 3)
        let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy(), optimizer: GradientDescent(), schedule: ConstantSchedule(1e300),
                              options: TrainingOptions(epochs: 1, batchSize: 2, seed: 1, accumulationSteps: 3))
        #expect(throws: TrainingError.self) { try trainer.fit(data) }
    }
}
