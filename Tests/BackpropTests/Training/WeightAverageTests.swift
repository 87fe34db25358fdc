import Foundation
import Testing
import Backprop
@testable import BackpropCore

/// The exponential moving average of the weights: its decay warm-up, the update against
/// hand-computed values (parameters and batch-norm statistics), the exact swap, and the
/// average the fit loop keeps against one recomputed from every update's weights.
@Suite("Weight average (EMA)")
struct WeightAverageTests {
    /// Dense 2→3, batch norm over 3 (γ, β, running mean and variance), Dense 3→2.
    static func network<S: NetworkScalar>(_: S.Type = S.self) throws -> Sequential<S> {
        let network = try Sequential<S>([Dense(inputCount: 2, outputCount: 3), BatchNormalization(width: 3), Dense(inputCount: 3, outputCount: 2)])
        randomizeParameters(network, seed: 5)
        return network
    }

    /// Every parameter then every buffer, flattened, as `Double`.
    static func values<S: NetworkScalar>(_ network: Sequential<S>) -> [Double] {
        (network.parameters.map(\.value) + network.namedBuffers.map(\.value)).flatMap { $0.elements.map(Double.init) }
    }

    /// Sets parameter and buffer values to `values` in the order of ``values(_:)``.
    static func set<S: NetworkScalar>(_ network: Sequential<S>, to values: [Double]) {
        var index = 0
        for tensor in network.parameters.map(\.value) + network.namedBuffers.map(\.value) {
            for i in 0..<tensor.count { tensor.base[i] = S(values[index]); index += 1 }
        }
    }

    @Test func decayWarmsUpAsOnePlusTOverTenPlusT() throws {
        let average = try WeightAverage<Double>(decay: 0.999)
        #expect(average.decay(atUpdate: 1) == 2.0 / 11)
        #expect(average.decay(atUpdate: 8) == 0.5)
        #expect(average.decay(atUpdate: 80) == 0.9)
        // (1 + t)/(10 + t) reaches 0.999 at t = 8990.
        #expect(average.decay(atUpdate: 8989) < 0.999 && average.decay(atUpdate: 8990) == 0.999)
        let capped = try WeightAverage<Double>(decay: 0.5)
        #expect(capped.decay(atUpdate: 7) == 8.0 / 17 && capped.decay(atUpdate: 8) == 0.5 && capped.decay(atUpdate: 1000) == 0.5)
        #expect(throws: NetworkError.self) { try WeightAverage<Double>(decay: 1) }
        #expect(throws: NetworkError.self) { try WeightAverage<Double>(decay: -0.1) }
    }

    @Test func updateMatchesHandComputedValuesForParametersAndRunningStatistics() throws {
        let network = try Self.network(Double.self)
        let count = Self.values(network).count
        #expect(network.namedBuffers.count == 2, "batch norm's running mean and variance")
        let start = (0..<count).map { Double($0) * 0.25 - 1 }
        let first = (0..<count).map { Double($0 % 5) }
        let second = (0..<count).map { -2 * Double($0 % 3) }
        Self.set(network, to: start)
        let average = try WeightAverage<Double>(decay: 0.9)
        average.begin(network)
        Self.set(network, to: first)
        average.update()
        Self.set(network, to: second)
        average.update()
        // d_1 = 2/11, d_2 = 3/12 (both below 0.9).
        let expected = (0..<count).map { i -> Double in
            let afterFirst = 2.0 / 11 * start[i] + 9.0 / 11 * first[i]
            return 0.25 * afterFirst + 0.75 * second[i]
        }
        #expect(allClose(average.averagedValues.flatMap(\.elements), expected, absolute: 1e-15, relative: 1e-14))
        #expect(average.updates == 2)
        // The running statistics are averaged like the weights.
        let buffers = network.namedBuffers.map(\.value)
        let bufferStart = network.parameters.reduce(0) { $0 + $1.value.count }
        #expect(allClose(average.averagedValues.suffix(2).flatMap(\.elements), Array(expected[bufferStart...]), absolute: 1e-15, relative: 1e-14))
        #expect(buffers.flatMap(\.elements) == Array(second[bufferStart...]), "the live statistics stay untouched")
    }

    @Test func floatKernelAgreesWithTheFormula() throws {
        let network = try Sequential<Float>([Dense(inputCount: 20, outputCount: 17)])
        randomizeParameters(network, seed: 9)
        let start = Self.values(network)
        let average = try WeightAverage<Float>(decay: 0.99)
        average.begin(network)
        randomizeParameters(network, seed: 10)
        let live = Self.values(network)
        average.update()
        let d = 2.0 / 11
        let expected = zip(start, live).map { d * $0 + (1 - d) * $1 }
        #expect(allClose(average.averagedValues.flatMap(\.elements).map(Double.init), expected, absolute: 1e-6, relative: 1e-6))
    }

    @Test func averagedWeightsAreSwappedInAndBackExactly() throws {
        let network = try Self.network(Double.self)
        let average = try WeightAverage<Double>(decay: 0.5)
        average.begin(network)
        randomizeParameters(network, seed: 77)
        average.update()
        let live = Self.values(network), averaged = average.averagedValues.flatMap(\.elements)
        #expect(live != averaged)
        let seen = average.withAveragedWeights { Self.values(network) }
        #expect(seen == averaged)
        #expect(Self.values(network) == live)
    }

    @Test func fitLoopAveragesEveryUpdatesWeightsAndReportsTheAveragedDevMetrics() throws {
        let network = try Self.network(Double.self)
        let data = try TrainerTests.tracedSet(60)
        let dev = try TrainerTests.tracedSet(24)
        let average = try WeightAverage<Double>(decay: 0.8)
        let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy(), optimizer: Adam(), schedule: ConstantSchedule(0.01),
                              options: TrainingOptions(epochs: 3, batchSize: 8, seed: 2))
        trainer.weightAverage = average
        // Recompute the average from the weights after every update.
        var expected = Self.values(network), updates = 0
        var buffers: [ObjectIdentifier] = []
        let recorder = ClosureCallback<Double>(onBatchEnd: { context, _, _ in
            if buffers.isEmpty { buffers = average.averagedValues.map(ObjectIdentifier.init) }
            updates += 1
            let d = min(0.8, Double(1 + updates) / Double(10 + updates))
            expected = zip(expected, Self.values(context.network)).map { d * $0 + (1 - d) * $1 }
        })
        let history = try trainer.fit(data, validation: dev, callbacks: [recorder])
        #expect(updates == 24 && average.updates == 24)
        #expect(average.averagedValues.map(ObjectIdentifier.init) == buffers, "the averages are updated in place, never reallocated")
        #expect(allClose(average.averagedValues.flatMap(\.elements), expected, absolute: 1e-13, relative: 1e-12))
        let last = try #require(history.last)
        let measured = try average.withAveragedWeights {
            try Evaluator<Double>().evaluate(network, loss: SoftmaxCrossEntropy(), on: dev)
        }
        #expect(last.averagedDevCost == measured.cost && last.averagedDevAccuracy == measured.accuracy)
        #expect(history.epochs.allSatisfy { $0.averagedDevCost != nil && $0.averagedDevCost != $0.devCost })
    }

    @Test func aSnapshotCarriesTheAverageAndAMismatchedOneIsRefused() throws {
        let data = try TrainerTests.tracedSet(40)
        func trainer(epochs: Int, decay: Double = 0.7) throws -> (Trainer<Double>, WeightAverage<Double>) {
            let network = try Self.network(Double.self)
            let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy(), optimizer: Adam(), schedule: ConstantSchedule(0.01),
                                  options: TrainingOptions(epochs: epochs, batchSize: 8, seed: 4))
            let average = try WeightAverage<Double>(decay: decay)
            trainer.weightAverage = average
            return (trainer, average)
        }
        let (straight, straightAverage) = try trainer(epochs: 4)
        try straight.fit(data)
        var saved: TrainingSnapshot?
        let (first, _) = try trainer(epochs: 2)
        try first.fit(data, epochCompleted: { if $0.epoch == 2 { saved = $0.snapshot() } })
        let snapshot = try #require(saved)
        let (resumed, resumedAverage) = try trainer(epochs: 4)
        try resumed.fit(data, resumingFrom: snapshot)
        #expect(resumedAverage.averagedValues.flatMap(\.elements) == straightAverage.averagedValues.flatMap(\.elements))
        #expect(resumedAverage.updates == straightAverage.updates)

        let (other, _) = try trainer(epochs: 4, decay: 0.9)
        #expect(throws: TrainingError.self) { try other.fit(data, resumingFrom: snapshot) }
    }
}
