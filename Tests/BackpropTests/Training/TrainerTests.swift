import Foundation
import Testing
import Backprop
@testable import BackpropCore

/// An identity layer that records what the fit loop feeds it.
final class RecordingLayer: Layer {
    typealias Scalar = Double
    let inputCount: Int
    var outputCount: Int { inputCount }
    var parameters: [Parameter<Double>] { [] }
    var description: String { "Recording(\(inputCount))" }
    var layerDescription: LayerDescription { describe(as: .custom("recording")) }
    var trainingBatches: [(identity: ObjectIdentifier, firstColumn: [Double])] = []
    /// `needsInputGradient` of every backward call.
    var backwardRequests: [Bool] = []

    init(width: Int) { inputCount = width }

    func forward(_ input: Matrix<Double>, mode: Mode) throws -> Matrix<Double> {
        if mode == .training { trainingBatches.append((ObjectIdentifier(input), input.column(0))) }
        return input
    }

    func backward(_ outputGradient: Matrix<Double>, needsInputGradient: Bool) -> Matrix<Double>? {
        backwardRequests.append(needsInputGradient)
        return needsInputGradient ? outputGradient : nil
    }
}

@Suite("Fit loop")
struct TrainerTests {
    /// `count` examples whose first feature is the row number, so batches can be traced.
    static func tracedSet(_ count: Int) throws -> Dataset<Double> {
        let features = Matrix<Double>(rows: count, columns: 2)
        for row in 0..<count { features[row, 0] = Double(row); features[row, 1] = Double(row % 7) / 7 }
        return try Dataset(features: features, labels: (0..<count).map { $0 % 2 }, classCount: 2)
    }

    static func recordingNetwork() throws -> (Sequential<Double>, RecordingLayer) {
        let recorder = RecordingLayer(width: 2)
        let network = try Sequential<Double>([recorder, Dense(inputCount: 2, outputCount: 2)])
        return (network, recorder)
    }

    @Test func runsFortyUpdatesPerEpochForTwoHundredExamplesInBatchesOfFive() throws {
        let (network, recorder) = try Self.recordingNetwork()
        let optimizer = TestSGD<Double>()
        let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy(), optimizer: optimizer, schedule: ConstantSchedule(1e-4),
                              options: TrainingOptions(epochs: 3, batchSize: 5, seed: 1))
        let history = try trainer.fit(try Self.tracedSet(200))
        #expect(optimizer.step == 120)
        #expect(history.batchCosts.count == 120)
        #expect(history.epochs.map(\.updates) == [40, 80, 120])
        #expect(recorder.trainingBatches.count == 120)
        #expect(recorder.trainingBatches.allSatisfy { $0.firstColumn.count == 5 })
    }

    @Test func everyExampleOnceAnEpochWithAFreshPermutationAndARemainderBatch() throws {
        let (network, recorder) = try Self.recordingNetwork()
        let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy(), optimizer: TestSGD(), schedule: ConstantSchedule(1e-4),
                              options: TrainingOptions(epochs: 2, batchSize: 5, seed: 3))
        try trainer.fit(try Self.tracedSet(203))
        let batches = recorder.trainingBatches
        #expect(batches.count == 82)
        let epochSizes: [Int] = Array(repeating: 5, count: 40) + [3]
        #expect(batches.map(\.firstColumn.count) == epochSizes + epochSizes)
        let first = batches[0..<41].flatMap(\.firstColumn).map { Int($0) }
        let second = batches[41..<82].flatMap(\.firstColumn).map { Int($0) }
        #expect(first.sorted() == Array(0..<203))
        #expect(second.sorted() == Array(0..<203))
        #expect(first != second)
        #expect(first != Array(0..<203))
    }

    @Test func reusesTheBatchBuffers() throws {
        let (network, recorder) = try Self.recordingNetwork()
        let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy(), optimizer: TestSGD(), schedule: ConstantSchedule(1e-4),
                              options: TrainingOptions(epochs: 3, batchSize: 16, seed: 3))
        try trainer.fit(try Self.tracedSet(100))
        #expect(Set(recorder.trainingBatches.map(\.identity)).count == 1)
        #expect(trainer.gatherer?.allocationCount == 2)
    }

    @Test func batchAndStochasticGradientDescentAreSpecialCases() throws {
        for (batchSize, updates) in [(1000, 1), (1, 60)] {
            let (network, recorder) = try Self.recordingNetwork()
            let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy(), optimizer: TestSGD(), schedule: ConstantSchedule(1e-4),
                                  options: TrainingOptions(epochs: 1, batchSize: batchSize))
            try trainer.fit(try Self.tracedSet(60))
            #expect(recorder.trainingBatches.count == updates)
        }
    }

    @Test func sameSeedSameHistoryAndWeights() throws {
        func run(seed: UInt64) throws -> (TrainingHistory, [[Float]]) {
            let blueprint = NetworkBlueprint(sizes: [2, 8, 8, 2], dropProbabilities: [0.2])
            let network: Sequential<Float> = try blueprint.build(seed: seed)
            initializeForTests(network, seed: seed)
            let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy(), optimizer: TestMomentum(), schedule: ConstantSchedule(0.1),
                                  options: TrainingOptions(epochs: 5, batchSize: 32, seed: seed))
            let history = try trainer.fit(try moons(200), validation: try moons(50, seed: 9))
            return (history, network.parameters.map(\.value.elements))
        }
        let (first, firstWeights) = try run(seed: 7)
        let (second, secondWeights) = try run(seed: 7)
        let (other, otherWeights) = try run(seed: 8)
        #expect(first.batchCosts == second.batchCosts)
        #expect(firstWeights == secondWeights)
        func withoutTime(_ history: TrainingHistory) -> [EpochRecord] { history.epochs.map { var r = $0; r.seconds = 0; return r } }
        #expect(withoutTime(first) == withoutTime(second))
        #expect(first.batchCosts != other.batchCosts)
        #expect(firstWeights != otherWeights)
        #expect(first.epochs.allSatisfy { $0.devCost != nil && $0.devAccuracy != nil && $0.trainAccuracy != nil })
    }

    @Test func stopsOnANonFiniteCostBeforeCorruptingTheWeights() throws {
        let network = try Sequential<Float>.mlp([2, 16, 2])
        initializeForTests(network, seed: 1)
        var lastFinite: [[Float]] = []
        let watcher = ClosureCallback<Float>(onBatchEnd: { context, _, _ in
            lastFinite = context.network.parameters.map(\.value.elements)
        })
        let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy(), optimizer: TestSGD(), schedule: ConstantSchedule(1e12),
                              options: TrainingOptions(epochs: 50, batchSize: 16, seed: 1))
        #expect {
            try trainer.fit(try moons(200), callbacks: [watcher])
        } throws: { error in
            guard case let .nonFinite(epoch, batch, place, hint) = error as? TrainingError else { return false }
            let message = "\(error)"
            return epoch >= 1 && batch >= 1 && !place.isEmpty && hint.contains("learning rate")
                && message.contains("epoch \(epoch), batch \(batch)")
        }
        let weights = network.parameters.map(\.value.elements)
        #expect(weights.allSatisfy { $0.allSatisfy(\.isFinite) })
        if !lastFinite.isEmpty { #expect(weights == lastFinite) }
    }

    @Test func regularizerGradientUsesTheTrainingSetSizeAndTheCostIncludesThePenalty() throws {
        let data: Dataset<Double> = try moons(40)
        let lambda = 3.0, alpha = 0.5
        func network() throws -> Sequential<Double> {
            let network = try Sequential<Double>.mlp([2, 3, 2], hiddenActivation: .function(.tanh))
            randomizeParameters(network, seed: 2)
            return network
        }
        // Expected: one full-batch step W ← W − α(dW₀ + (λ/n)W) with n = 40.
        let reference = try network()
        let logits = try reference.forward(data.features, mode: .training)
        let gradient = Matrix<Double>(rows: 40, columns: 2)
        _ = SoftmaxCrossEntropy<Double>().cost(logits: logits, targets: data.targets, gradient: gradient)
        reference.backward(gradient)
        let expected = reference.parameters.map { parameter in
            zip(parameter.value.elements, parameter.gradient.elements).map { w, g in
                w - alpha * (g + (parameter.isRegularized ? lambda / 40 * w : 0))
            }
        }
        let trained = try network()
        let trainer = Trainer(network: trained, loss: SoftmaxCrossEntropy(), optimizer: TestSGD(), schedule: ConstantSchedule(alpha),
                              regularizer: L2(lambda: lambda), options: TrainingOptions(epochs: 1, batchSize: 40, evaluatesTrainingSet: true))
        let history = try trainer.fit(data)
        for (actual, wanted) in zip(trained.parameters.map(\.value.elements), expected) {
            #expect(allClose(actual, wanted, absolute: 1e-12, relative: 1e-10))
        }
        // The reported train cost is the mean loss plus (λ/2n)Σ‖W‖².
        let after = try trained.forward(data.features, mode: .inference)
        let meanLoss = Double(SoftmaxCrossEntropy<Double>().cost(logits: after, targets: data.targets, gradient: nil))
        let penalty = trained.parameters.filter(\.isRegularized).map { lambda / 80 * $0.value.squaredNorm() }.reduce(0, +)
        #expect(isClose(history.epochs[0].trainCost, meanLoss + penalty))
        #expect(penalty > 0.001)
    }

    @Test func rejectsDataThatDoNotFitAndBatchNormBatchesOfOne() throws {
        let network = try Sequential<Float>.mlp([3, 4, 2])
        let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy(), optimizer: TestSGD())
        #expect { try trainer.fit(try moons(20)) } throws: { "\($0)".contains("2 features but the network expects 3") }
        let normed: Sequential<Float> = try NetworkBlueprint(sizes: [2, 4, 2], batchNormalization: .beforeActivation).build()
        let normTrainer = Trainer(network: normed, loss: SoftmaxCrossEntropy(), optimizer: TestSGD(),
                                  options: TrainingOptions(epochs: 1, batchSize: 4))
        #expect { try normTrainer.fit(try moons(21)) } throws: { "\($0)".contains("batch of one") }
    }

    @Test func historyRoundTripsThroughJSONCoding() throws {
        let network = try Sequential<Float>.mlp([2, 4, 2])
        initializeForTests(network, seed: 1)
        let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy(), optimizer: TestSGD(), schedule: ConstantSchedule(0.1),
                              options: TrainingOptions(epochs: 2, batchSize: 50))
        let history = try trainer.fit(try moons(100))
        #expect(history.epochs.count == 2 && history.batchCosts.count == 4)
        #expect(history.epochs.allSatisfy { $0.learningRate == 0.1 && $0.seconds >= 0 })
        let decoded = try roundTrip(history)
        #expect(decoded == history)
    }

    @Test func evaluatorComputesCostAndAccuracyInChunks() throws {
        let network = try Sequential<Double>.mlp([2, 2])
        let dense = try #require(network.layers[0] as? Dense<Double>)
        // logits = (x0, x1): the predicted class is the larger feature.
        dense.weight.value[0, 0] = 1
        dense.weight.value[1, 1] = 1
        let features = Matrix<Double>([[1, 0], [0, 1], [2, 1], [0, 3], [5, 4]])
        let data = try Dataset(features: features, labels: [0, 1, 1, 1, 0], classCount: 2)
        let result = try Evaluator<Double>(chunkSize: 2).evaluate(network, loss: SoftmaxCrossEntropy(), on: data)
        #expect(result.accuracy == 0.8)
        // ln(1 + e^{−d}) for a correct margin d, ln(1 + e^{d}) for a wrong one.
        let losses = [1.0, 1, -1, 3, 1].map { log(1 + exp(-$0)) }
        #expect(isClose(result.cost, losses.reduce(0, +) / 5))
    }
}

/// Encodes and decodes a value with the library's JSON-compatible coding.
func roundTrip<T: Codable>(_ value: T) throws -> T {
    try JSONDecoder().decode(T.self, from: JSONEncoder().encode(value))
}

@Suite("Fit loop hooks")
struct TrainerHookTests {
    /// Counts its calls and clamps every element to [−0.05, 0.05].
    final class ClampConstraint: ParameterConstraint, @unchecked Sendable {
        var calls = 0
        func apply<Scalar: NetworkScalar>(to parameters: [Parameter<Scalar>]) {
            calls += 1
            for parameter in parameters {
                for i in 0..<parameter.value.count { parameter.value.base[i] = min(max(parameter.value.base[i], -0.05), 0.05) }
            }
        }
        var description: String { "clamp" }
    }

    @Test func constraintsRunAfterEveryUpdate() throws {
        let network = try Sequential<Float>.mlp([2, 8, 2])
        initializeForTests(network, seed: 1)
        let clamp = ClampConstraint()
        let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy(), optimizer: TestSGD(), schedule: ConstantSchedule(1),
                              options: TrainingOptions(epochs: 3, batchSize: 10, seed: 1))
        trainer.constraints = [clamp]
        let history = try trainer.fit(try moons(50))
        #expect(clamp.calls == 15 && history.batchCosts.count == 15)
        #expect(network.parameters.allSatisfy { $0.value.elements.allSatisfy { abs($0) <= 0.05 } })
        #expect(trainer.updateDescription == "\(trainer.optimizer) + clamp")
    }

    @Test func maxNormThroughTheTrainerClampsRowNormsToC() throws {
        // One full-batch update: every row of the hidden weight is longer than c = 0.01
        // without the constraint and ends at norm c with it.
        func train(constraints: [any ParameterConstraint]) throws -> Sequential<Double> {
            let network = try Sequential<Double>.mlp([2, 8, 2])
            initializeForTests(network, seed: 1)
            let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy(), optimizer: GradientDescent(), schedule: ConstantSchedule(10),
                                  options: TrainingOptions(epochs: 1, batchSize: 50, seed: 1))
            trainer.constraints = constraints
            try trainer.fit(try moons(50))
            return network
        }
        let free = try train(constraints: [])
        let constrained = try train(constraints: [MaxNormConstraint(maxNorm: 0.01)])
        func rowNorms(_ network: Sequential<Double>) -> [Double] {
            let weight = network.parameters[0].value
            return (0..<weight.rows).map { weight.row($0).reduce(0) { $0 + $1 * $1 }.squareRoot() }
        }
        #expect(rowNorms(free).allSatisfy { $0 > 0.01 })
        for norm in rowNorms(constrained) { #expect(isClose(norm, 0.01, relative: 1e-12)) }
        // Biases are not constrained.
        #expect(constrained.parameters[1].value.elements == free.parameters[1].value.elements)
    }

    /// The default train metrics are running means: the cost is the mean of the epoch's
    /// recorded batch costs, the accuracy the share of the epoch's examples predicted by
    /// their batch's forward pass (checked here with a learning rate of 0, where every
    /// batch sees the same weights as a full pass in inference mode).
    @Test func trainMetricsAreRunningMeansOfTheBatchesByDefault() throws {
        let network = try Sequential<Double>.mlp([2, 4, 2])
        initializeForTests(network, seed: 2)
        let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy(), optimizer: TestSGD(), schedule: ConstantSchedule(0.1),
                              options: TrainingOptions(epochs: 2, batchSize: 16, seed: 1))
        #expect(trainer.options.evaluatesTrainingSet == false)
        let data: Dataset<Double> = try moons(64)
        let history = try trainer.fit(data)
        for (epoch, record) in history.epochs.enumerated() {
            let costs = history.batchCosts[(epoch * 4)..<(epoch * 4 + 4)]
            #expect(record.trainCost == costs.reduce(0, +) / Double(costs.count))
            #expect(record.trainAccuracy.map { $0 >= 0 && $0 <= 1 } == true)
        }

        let frozen = try Sequential<Double>.mlp([2, 4, 2])
        initializeForTests(frozen, seed: 2)
        let still = Trainer(network: frozen, loss: SoftmaxCrossEntropy(), optimizer: TestSGD(), schedule: ConstantSchedule(0),
                            options: TrainingOptions(epochs: 1, batchSize: 16, seed: 1))
        let record = try #require(try still.fit(data).last)
        let exact = try Evaluator<Double>().evaluate(frozen, loss: SoftmaxCrossEntropy(), on: data)
        #expect(record.trainAccuracy == exact.accuracy)
        #expect(isClose(record.trainCost, exact.cost))
    }

    /// `evaluatesTrainingSet` (`--eval-train full`) measures the whole training set after
    /// every epoch, as every run did before running means: the same figures as an
    /// evaluation of the trained network, and the same weights as a run with running means.
    @Test func aFullPassReproducesTheExactTrainMetrics() throws {
        func run(full: Bool) throws -> (TrainingHistory, Sequential<Double>) {
            let network = try Sequential<Double>.mlp([2, 4, 2])
            initializeForTests(network, seed: 2)
            let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy(), optimizer: TestSGD(), schedule: ConstantSchedule(0.1),
                                  options: TrainingOptions(epochs: 3, batchSize: 16, seed: 1, evaluatesTrainingSet: full))
            return (try trainer.fit(try moons(64)), network)
        }
        let (full, network) = try run(full: true)
        let (running, runningNetwork) = try run(full: false)
        let exact = try Evaluator<Double>().evaluate(network, loss: SoftmaxCrossEntropy(), on: try moons(64))
        #expect(full.last?.trainCost == exact.cost && full.last?.trainAccuracy == exact.accuracy)
        #expect(full.batchCosts == running.batchCosts)
        #expect(network.parameters.map(\.value.elements) == runningNetwork.parameters.map(\.value.elements))
        #expect(full.last?.trainCost != running.last?.trainCost)
    }
}

/// An identity layer with one parameter whose gradient turns NaN on a chosen batch.
final class PoisonedGradientLayer: Layer {
    typealias Scalar = Double
    let inputCount: Int
    var outputCount: Int { inputCount }
    let weight: Parameter<Double>
    let poisonedCall: Int
    private var calls = 0
    var parameters: [Parameter<Double>] { [weight] }
    var description: String { "Poisoned(\(inputCount))" }
    var layerDescription: LayerDescription { describe(as: .custom("poisoned")) }

    init(width: Int, poisonedCall: Int) {
        inputCount = width
        self.poisonedCall = poisonedCall
        weight = Parameter(name: "weight", value: Matrix(rows: 1, columns: width, repeating: 0.5), isRegularized: true)
    }

    func forward(_ input: Matrix<Double>, mode: Mode) throws -> Matrix<Double> { input }

    func backward(_ outputGradient: Matrix<Double>, needsInputGradient: Bool) -> Matrix<Double>? {
        calls += 1
        weight.gradient.fill(calls == poisonedCall ? .nan : 0.25)
        return needsInputGradient ? outputGradient : nil
    }
}

@Suite("Fit loop NaN checks")
struct TrainerNaNTests {
    @Test func aNonFiniteGradientIsNamedAndNeverApplied() throws {
        let poisoned = PoisonedGradientLayer(width: 2, poisonedCall: 3)
        let network = try Sequential<Double>([poisoned, Dense(inputCount: 2, outputCount: 2)])
        let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy(), optimizer: TestSGD(), schedule: ConstantSchedule(0.1),
                              options: TrainingOptions(epochs: 1, batchSize: 10, seed: 1))
        #expect {
            try trainer.fit(try moons(60))
        } throws: { error in
            guard case let .nonFinite(epoch, batch, place, _) = error as? TrainingError else { return false }
            return epoch == 1 && batch == 3 && place == "the gradient of layers.0.weight"
        }
        // Two updates of 0.1 · 0.25 were applied; the poisoned third was not.
        #expect(allClose(poisoned.weight.value.elements, [0.45, 0.45], relative: 1e-12))
    }
}
