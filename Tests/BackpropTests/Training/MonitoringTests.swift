import Foundation
import Testing
import Backprop
@testable import BackpropCore

@Suite("Training monitor")
struct MonitoringTests {
    /// A `2 → 4 → 2` network whose hidden layer has zero weights and the given biases, so
    /// every probe example sees the activation `g(bias)` in each unit.
    static func network(activation: Activation, hiddenBias: [Double]) throws -> Sequential<Double> {
        let hidden = Dense<Double>(inputCount: 2, outputCount: 4, activation: activation)
        let output = Dense<Double>(inputCount: 4, outputCount: 2)
        for unit in 0..<4 { hidden.bias!.value[0, unit] = hiddenBias[unit] }
        return try Sequential([hidden, output])
    }

    /// The monitor's record of the initial network (epoch 0).
    static func initialRecord(_ network: Sequential<Double>, probeRows: Int = 8) throws -> MonitorRecord {
        let monitor = TrainingMonitor<Double>(probe: randomMatrix(probeRows, 2, seed: 3))
        let context = TrainingContext(network: network, optimizer: GradientDescent<Double>(), plan: try BatchPlan(exampleCount: 8, batchSize: 4),
                                      history: TrainingHistory(), shuffleGenerator: RandomGenerator(seed: 1))
        try monitor.trainingWillBegin(context)
        return try #require(monitor.records.first)
    }

    @Test func aReLULayerWithNegativeBiasIsCompletelyDead() throws {
        let record = try Self.initialRecord(try Self.network(activation: .relu, hiddenBias: [-1, -1, -1, -1]))
        #expect(record.epoch == 0)
        #expect(record.layers.count == 1, "only the hidden layer has an activation; the output layer is linear")
        let layer = record.layers[0]
        #expect(layer.name == "layers.0" && layer.activation == "relu" && layer.unitCount == 4)
        #expect(layer.deadFraction == 1)
        #expect(layer.saturatedFraction == nil)
        #expect(layer.mean == 0 && layer.standardDeviation == 0)
    }

    @Test func halfTheUnitsDeadGivesHalfAndTheMomentsOfZeroesAndOnes() throws {
        // Units output 0, 0, 1, 1 for every example: mean 1/2, variance 1/4.
        let layer = try Self.initialRecord(try Self.network(activation: .relu, hiddenBias: [-1, -2, 1, 1])).layers[0]
        #expect(layer.deadFraction == 0.5)
        #expect(isClose(layer.mean, 0.5) && isClose(layer.standardDeviation, 0.5))
        #expect(layer.histogram.counts.reduce(0, +) == 8 * 4)
        #expect(layer.histogram.counts.first == 16 && layer.histogram.counts.last == 16, "observed range [0, 1]: zeros in the first bin, ones in the last")
    }

    @Test func sigmoidUnitsNearZeroOrOneAreSaturated() throws {
        // σ(10) ≈ 0.99995 and σ(−10) ≈ 0.00005 are saturated; σ(0) = 0.5 and σ(2) ≈ 0.88 are not.
        let layer = try Self.initialRecord(try Self.network(activation: .sigmoid, hiddenBias: [10, -10, 0, 2])).layers[0]
        #expect(layer.saturatedFraction == 0.5)
        #expect(layer.deadFraction == nil)
        #expect(layer.histogram.lower == 0 && layer.histogram.upper == 1 && layer.histogram.counts.count == 30)
        // 0.5 falls in bin ⌊0.5·30⌋ = 15, σ(2) = 0.8808 in bin 26, σ(10) in bin 29, σ(−10) in bin 0; 8 examples each.
        #expect(layer.histogram.counts[15] == 8 && layer.histogram.counts[26] == 8)
        #expect(layer.histogram.counts[29] == 8 && layer.histogram.counts[0] == 8)
    }

    @Test func tanhSaturationCountsValuesNearPlusOrMinusOne() throws {
        // tanh(5) ≈ 0.99991 and tanh(−3) ≈ −0.99505 are beyond 0.99; tanh(0) and tanh(1) are not.
        let layer = try Self.initialRecord(try Self.network(activation: .tanh, hiddenBias: [5, -3, 0, 1])).layers[0]
        #expect(layer.saturatedFraction == 0.5)
        #expect(layer.histogram.lower == -1 && layer.histogram.upper == 1)
        let values: [Double] = [5, -3, 0, 1].map { Foundation.tanh($0) }
        let expectedMean = values.reduce(0, +) / 4
        #expect(isClose(layer.mean, expectedMean, absolute: 1e-12))
    }

    @Test func weightNormsGradientNormsAndUpdateRatiosMatchTheirDefinitions() throws {
        let network = try Sequential<Double>.mlp([2, 3, 2], hiddenActivation: .function(.tanh))
        randomizeParameters(network, seed: 5)
        let start = network.parameters.filter(\.isRegularized).map { $0.value.copy() }
        var random = RandomGenerator(seed: 9)
        let data = try Dataset(features: (randomMatrix(10, 2, seed: 7) as Matrix<Double>), labels: (0..<10).map { _ in random.integer(below: 2) }, classCount: 2)
        let monitor = TrainingMonitor<Double>(probe: data, probeSize: 4)
        let alpha = 0.1
        let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy<Double>(), optimizer: GradientDescent<Double>(),
                              schedule: ConstantSchedule(alpha), options: TrainingOptions(epochs: 1, batchSize: 3, seed: 2))
        try trainer.fit(data, callbacks: [monitor])
        #expect(monitor.probe.rows == 4)
        #expect(monitor.records.map(\.epoch) == [0, 1])
        let weights = network.namedParameters.filter { $0.parameter.isRegularized }
        let record = monitor.records[1]
        #expect(record.parameters.map(\.name) == ["layers.0.weight", "layers.1.weight"])
        for (index, entry) in weights.enumerated() {
            let value = entry.parameter.value.elements, before = start[index].elements
            let norm = value.map { $0 * $0 }.reduce(0, +).squareRoot()
            let change = zip(value, before).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
            let gradientNorm = entry.parameter.gradient.elements.map { $0 * $0 }.reduce(0, +).squareRoot()
            let measured = record.parameters[index]
            #expect(isClose(measured.norm, norm))
            #expect(isClose(measured.gradientNorm, gradientNorm))
            #expect(isClose(measured.epochUpdateRatio, change / norm))
            // Plain gradient descent: the last update is ΔW = −α·∂J/∂W.
            #expect(isClose(measured.lastUpdateRatio * measured.norm, alpha * gradientNorm, relative: 1e-9))
        }
    }

    @Test func fullBatchLastUpdateIsTheWholeEpoch() throws {
        let network = try Sequential<Double>.mlp([2, 3, 2], hiddenActivation: .function(.relu))
        randomizeParameters(network, seed: 4)
        let data = try Dataset(features: (randomMatrix(6, 2, seed: 1) as Matrix<Double>), labels: [0, 1, 0, 1, 1, 0], classCount: 2)
        let monitor = TrainingMonitor<Double>(probe: data)
        let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy<Double>(), optimizer: GradientDescent<Double>(),
                              schedule: ConstantSchedule(0.5), options: TrainingOptions(epochs: 3, batchSize: 6, seed: 2))
        try trainer.fit(data, callbacks: [monitor])
        for record in monitor.records.dropFirst() {
            for parameter in record.parameters { #expect(isClose(parameter.lastUpdateRatio, parameter.epochUpdateRatio)) }
        }
    }

    @Test func monitoringDoesNotChangeTraining() throws {
        func train(monitored: Bool) throws -> [Double] {
            let network = try Sequential<Double>.mlp([2, 5, 2], hiddenActivation: .function(.relu))
            randomizeParameters(network, seed: 8)
            let data = try Dataset(features: (randomMatrix(20, 2, seed: 3) as Matrix<Double>), labels: (0..<20).map { $0 % 2 }, classCount: 2)
            let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy<Double>(), optimizer: GradientDescent<Double>(),
                                  schedule: ConstantSchedule(0.3), options: TrainingOptions(epochs: 4, batchSize: 8, seed: 6))
            try trainer.fit(data, callbacks: monitored ? [TrainingMonitor<Double>(probe: data, probeSize: 16)] : [])
            return network.parameters.flatMap(\.value.elements)
        }
        #expect(try train(monitored: true) == train(monitored: false))
    }

    @Test func recordsRoundTripThroughJSON() throws {
        let record = try Self.initialRecord(try Self.network(activation: .sigmoid, hiddenBias: [1, 2, 3, 4]))
        let decoded = try JSONDecoder().decode(MonitorRecord.self, from: JSONEncoder().encode(record))
        #expect(decoded == record)
    }
}
