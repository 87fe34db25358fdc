import Testing
import Backprop
@testable import BackpropCore

/// Plain gradient descent folded into the first layer's weight-gradient product
/// (`TrainingStep.foldsFirstLayerDescent`): the same weights as the separate update, the
/// NaN/Inf check still before any change, and every gradient written where callbacks read them.
@Suite("Folded first-layer descent")
struct FoldedDescentTests {
    /// A network of `sizes` with weights from `seed`, a batch of `batch` rows and its targets.
    static func setup(_ sizes: [Int], activation: Activation, batch: Int, engine: ComputeEngine)
        throws -> (network: Sequential<Float>, features: Matrix<Float>, targets: Matrix<Float>) {
        let network = try Sequential<Float>.mlp(sizes, hiddenActivation: .function(activation))
        network.engine = engine
        randomizeParameters(network, seed: 11, scale: 0.3)
        var random = RandomGenerator(seed: 12)
        let targets = try Matrix<Float>.oneHot(labels: (0..<batch).map { _ in random.integer(below: sizes.last!) },
                                               classCount: sizes.last!)
        return (network, randomMatrix(batch, sizes[0], seed: 13), targets)
    }

    /// The parameters after `steps` steps of gradient descent, folded or not, and the first
    /// layer's weight gradient afterwards.
    static func train(_ sizes: [Int], activation: Activation, batch: Int, engine: ComputeEngine, folds: Bool,
                      steps: Int = 4) throws -> (parameters: [[Float]], firstGradient: [Float]) {
        let (network, features, targets) = try setup(sizes, activation: activation, batch: batch, engine: engine)
        let step = TrainingStep(network: network, loss: SoftmaxCrossEntropy<Float>(), optimizer: GradientDescent<Float>(),
                                penaltyExampleCount: batch, batchCapacity: batch)
        step.foldsFirstLayerDescent = folds
        for _ in 0..<steps { try step.run(features: features, targets: targets, learningRate: 0.05) }
        return (network.parameters.map(\.value.elements), network.parameters[0].gradient.elements)
    }

    @Test(arguments: FloatGEMMKernel.allCases)
    func foldedStepsLeaveTheWeightsOfTheSeparateUpdate(kernel: FloatGEMMKernel) throws {
        if let reason = ComputeEngineTests.unavailability(of: kernel) {
            print("Skipped the \(kernel.rawValue) kernel: \(reason)")
            return
        }
        // A sigmoid net at batch 10 (direct tiles), ReLU nets at batch 40 and 250 (summed
        // over the batch in one pass by every kernel) and at 600 (in slices: the folded
        // update then adds each slice's share to W, which rounds differently), each on one
        // and two threads.
        let cases: [([Int], Activation, Int)] = [([30, 20, 5], .sigmoid, 10), ([48, 300, 10], .relu, 40),
                                                 ([64, 40, 3], .relu, 250), ([20, 24, 3], .relu, 600)]
        for (sizes, activation, batch) in cases {
            for threads in [1, 2] {
                let engine = ComputeEngineTests.engine(kernel, threads: threads)
                let separate = try Self.train(sizes, activation: activation, batch: batch, engine: engine, folds: false)
                let folded = try Self.train(sizes, activation: activation, batch: batch, engine: engine, folds: true)
                let label = "\(kernel.rawValue) \(sizes) batch \(batch), \(threads) thread(s)"
                // The folded product did run: it leaves the first weight gradient unwritten (zero).
                #expect(folded.firstGradient.allSatisfy { $0 == 0 }, "\(label)")
                #expect(separate.firstGradient.contains { $0 != 0 }, "\(label)")
                let pairs = zip(separate.parameters.joined(), folded.parameters.joined())
                // OpenBLAS may fuse `W + (−α)·acc` into one rounding.
                if kernel == .blas || batch > 256 {
                    let far = pairs.filter { !isClose(Double($0), Double($1), absolute: 1e-6, relative: 1e-5) }.count
                    #expect(far == 0, "\(label): \(far) weights differ beyond rounding")
                } else {
                    let unequal = pairs.filter { $0 != $1 }.count
                    #expect(unequal == 0, "\(label): \(unequal) weights differ")
                }
            }
        }
    }

    @Test func foldedStepsWithBFloat16ProductsLeaveTheWeightsOfTheSeparateUpdate() throws {
        if let missing = ProductPrecision.bf16.missingCPUFeature {
            print("Skipped: this CPU lacks \(missing), which bfloat16 products need")
            return
        }
        for threads in [1, 2] {
            var engine = ComputeEngineTests.engine(.nativeAVX512, threads: threads)
            engine.precision = .bf16
            let separate = try Self.train([30, 20, 5], activation: .sigmoid, batch: 10, engine: engine, folds: false)
            let folded = try Self.train([30, 20, 5], activation: .sigmoid, batch: 10, engine: engine, folds: true)
            #expect(folded.firstGradient.allSatisfy { $0 == 0 } && separate.firstGradient.contains { $0 != 0 })
            let unequal = zip(separate.parameters.joined(), folded.parameters.joined()).filter { $0 != $1 }.count
            #expect(unequal == 0, "bf16, \(threads) thread(s): \(unequal) weights differ")
            // The products did round their factors: float32 products train to other weights.
            let float32 = try Self.train([30, 20, 5], activation: .sigmoid, batch: 10,
                                         engine: ComputeEngineTests.engine(.nativeAVX512, threads: threads), folds: true)
            #expect(float32.parameters != folded.parameters)
        }
    }

    @Test func foldedDoubleStepsAgreeWithTheSeparateUpdate() throws {
        func train(folds: Bool) throws -> (parameters: [[Double]], firstGradient: [Double]) {
            let network = try Sequential<Double>.mlp([12, 9, 4], hiddenActivation: .function(.tanh))
            randomizeParameters(network, seed: 3)
            let features: Matrix<Double> = randomMatrix(7, 12, seed: 4)
            let targets = try Matrix<Double>.oneHot(labels: [0, 1, 2, 3, 0, 1, 2], classCount: 4)
            let step = TrainingStep(network: network, loss: SoftmaxCrossEntropy<Double>(), optimizer: GradientDescent<Double>(),
                                    penaltyExampleCount: 7, batchCapacity: 7)
            step.foldsFirstLayerDescent = folds
            for _ in 0..<3 { try step.run(features: features, targets: targets, learningRate: 0.3) }
            return (network.parameters.map(\.value.elements), network.parameters[0].gradient.elements)
        }
        let separate = try train(folds: false), folded = try train(folds: true)
        #expect(folded.firstGradient.allSatisfy { $0 == 0 } && separate.firstGradient.contains { $0 != 0 })
        for (a, b) in zip(separate.parameters, folded.parameters) { #expect(allClose(a, b, absolute: 1e-14, relative: 1e-12)) }
    }

    @Test func otherOptimisersPenaltiesAndFirstLayersOfOtherKindsAreNotFolded() throws {
        let (network, features, targets) = try Self.setup([6, 5, 3], activation: .relu, batch: 4, engine: .default)
        for (optimizer, regularizer) in [(Momentum<Float>() as any Optimizer<Float>, nil as (any Regularizer<Float>)?),
                                         (GradientDescent<Float>(), L2<Float>(lambda: 0.1))] {
            network.parameters[0].gradient.base.update(repeating: 0, count: network.parameters[0].gradient.count)
            let step = TrainingStep(network: network, loss: SoftmaxCrossEntropy<Float>(), optimizer: optimizer,
                                    regularizer: regularizer, penaltyExampleCount: 4, batchCapacity: 4)
            step.foldsFirstLayerDescent = true
            try step.run(features: features, targets: targets, learningRate: 0.1)
            #expect(network.parameters[0].gradient.elements.contains { $0 != 0 }, "\(optimizer)")
        }
        // Batch normalisation first: nothing to fold, the gradients are all written.
        let normalised = try Sequential<Float>([BatchNormalization(width: 6), Dense(inputCount: 6, outputCount: 3)])
        randomizeParameters(normalised, seed: 2)
        let step = TrainingStep(network: normalised, loss: SoftmaxCrossEntropy<Float>(), optimizer: GradientDescent<Float>(),
                                penaltyExampleCount: 4, batchCapacity: 4)
        step.foldsFirstLayerDescent = true
        try step.run(features: features, targets: targets, learningRate: 0.1)
        #expect(normalised.parameters.allSatisfy { $0.gradient.elements.contains { $0 != 0 } })
    }

    // MARK: - The NaN/Inf check

    @Test func aNonFiniteStepThrowsBeforeAnyWeightChanges() throws {
        let (network, features, targets) = try Self.setup([6, 5, 3], activation: .sigmoid, batch: 4, engine: .default)
        features[2, 3] = .infinity
        let before = network.parameters.map(\.value.elements)
        let step = TrainingStep(network: network, loss: SoftmaxCrossEntropy<Float>(), optimizer: GradientDescent<Float>(),
                                penaltyExampleCount: 4, batchCapacity: 4)
        step.foldsFirstLayerDescent = true
        // σ(±∞) is finite, and so is the cost, but dW = dZᵀ·X holds 0·∞.
        #expect(throws: NonFiniteStepError(place: "the gradient of layers.0.weight")) {
            try step.run(features: features, targets: targets, learningRate: 0.1, checksFiniteInput: false)
        }
        #expect(network.parameters.map(\.value.elements) == before)
    }

    /// A one-layer network whose only nonzero weight reads feature 0, and a batch whose row
    /// 1 has `x₀ = 3e38` and a target other than the class that weight favours.
    static func largeInputSetup() throws -> (network: Sequential<Float>, features: Matrix<Float>, targets: Matrix<Float>) {
        let network = try Sequential<Float>([Dense(inputCount: 6, outputCount: 3)])
        network.parameters[0].value[0, 0] = 0.01
        let features: Matrix<Float> = randomMatrix(4, 6, seed: 13)
        features[1, 0] = 3e38  // finite, but m·max|dZ|·max|X| exceeds half the largest float
        return (network, features, try Matrix<Float>.oneHot(labels: [0, 2, 1, 0], classCount: 3))
    }

    @Test func aProductTooLargeToBoundIsComputedAndScannedAsUsual() throws {
        func train(folds: Bool) throws -> (parameters: [[Float]], firstGradient: [Float]) {
            let (network, features, targets) = try Self.largeInputSetup()
            let step = TrainingStep(network: network, loss: SoftmaxCrossEntropy<Float>(), optimizer: GradientDescent<Float>(),
                                    penaltyExampleCount: 4, batchCapacity: 4)
            step.foldsFirstLayerDescent = folds
            try step.run(features: features, targets: targets, learningRate: 1e-40, checksFiniteInput: false)
            return (network.parameters.map(\.value.elements), network.parameters[0].gradient.elements)
        }
        let separate = try train(folds: false), folded = try train(folds: true)
        #expect(folded.firstGradient == separate.firstGradient && folded.firstGradient.allSatisfy(\.isFinite))
        #expect(folded.firstGradient.contains { Swift.abs($0) > 1e37 })
        #expect(folded.parameters == separate.parameters)
    }

    @Test func theBoundOfTheWeightGradient() throws {
        let network = try Sequential<Float>([Dense(inputCount: 6, outputCount: 5)])
        let first = try #require(network.layers[0] as? Dense<Float>)
        _ = try network.forward(randomMatrix(4, 6, seed: 13), mode: .training)  // |x| < 4
        let dZ = Matrix<Float>(rows: 4, columns: 5, repeating: 0.5)
        #expect(first.weightGradientIsSurelyFinite(dZ))
        dZ[3, 4] = 1e36  // 4 · 1e36 · 4 is far from the largest float
        #expect(first.weightGradientIsSurelyFinite(dZ))
        dZ[3, 4] = 1e38
        #expect(!first.weightGradientIsSurelyFinite(dZ))
        dZ[3, 4] = .nan
        #expect(!first.weightGradientIsSurelyFinite(dZ))
        dZ[3, 4] = -.infinity
        #expect(!first.weightGradientIsSurelyFinite(dZ))
    }

    @Test func largestMagnitude() {
        // Lengths around the 16-lane vectors, with the extreme in the tail and in the body.
        for count in [0, 1, 15, 16, 17, 33, 100] {
            let values = (0..<count).map { Float($0 % 7) - 3 }
            let matrix = Matrix<Float>(rows: 1, columns: count, elements: values)
            #expect(matrix.largestMagnitude() == values.map(Swift.abs).max() ?? 0, "\(count)")
            if count > 0 {
                matrix[0, count - 1] = -1e30
                #expect(matrix.largestMagnitude() == 1e30)
                matrix[0, count / 2] = -.infinity
                #expect(matrix.largestMagnitude() == .infinity)
                matrix[0, 0] = .nan
                #expect(matrix.largestMagnitude().isNaN)
            }
        }
        let doubles = Matrix<Double>(rows: 2, columns: 2, elements: [1, -7, .infinity, 2])
        #expect(doubles.largestMagnitude() == .infinity)
        doubles[0, 0] = .nan
        #expect(doubles.largestMagnitude().isNaN)
        doubles[0, 0] = 0; doubles[1, 0] = 3
        #expect(doubles.largestMagnitude() == 7)
    }

    // MARK: - Through the trainer

    /// Records the first layer's weight gradient after every batch.
    final class GradientWatcher: TrainingCallback {
        let readsGradientsAfterEachBatch: Bool
        var gradients: [[Float]] = []
        init(reads: Bool) { readsGradientsAfterEachBatch = reads }
        func batchDidEnd(_ context: TrainingContext<Float>, batch: Int, cost: Double) throws {
            gradients.append(context.network.parameters[0].gradient.elements)
        }
    }

    @Test func theTrainerFoldsMidEpochAndWritesEveryGradientWhereCallbacksReadThem() throws {
        func fit(watcher: GradientWatcher) throws -> (parameters: [[Float]], gradients: [[Float]]) {
            let network = try Sequential<Float>.mlp([2, 16, 2], hiddenActivation: .function(.sigmoid))
            initializeForTests(network, seed: 3)
            let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy(), optimizer: GradientDescent<Float>(),
                                  schedule: ConstantSchedule(0.5), options: TrainingOptions(epochs: 2, batchSize: 20, seed: 4))
            try trainer.fit(try moons(100), callbacks: [watcher])
            return (network.parameters.map(\.value.elements), network.parameters.map(\.gradient.elements))
        }
        let reading = GradientWatcher(reads: true), notReading = GradientWatcher(reads: false)
        let separate = try fit(watcher: reading), folded = try fit(watcher: notReading)
        // The same training, to the bit, and the same gradients once it ends.
        #expect(folded.parameters == separate.parameters)
        #expect(folded.gradients == separate.gradients)
        // A reader sees every batch's gradient; otherwise only an epoch's last batch writes it.
        #expect(reading.gradients.count == 10 && zip(reading.gradients, reading.gradients.dropFirst()).allSatisfy { $0 != $1 })
        #expect(notReading.gradients[4] == reading.gradients[4] && notReading.gradients[9] == reading.gradients[9])
        #expect(notReading.gradients[0].allSatisfy { $0 == 0 } && notReading.gradients[5] == reading.gradients[4])
        // Callbacks of the library read gradients at the end of an epoch at most.
        #expect(!TrainingMonitor<Float>(probe: Matrix(rows: 1, columns: 2)).readsGradientsAfterEachBatch)
        #expect(ClosureCallback<Float>(onEpochEnd: { _, _ in .proceed }).readsGradientsAfterEachBatch == false)
        #expect(ClosureCallback<Float>(onBatchEnd: { _, _, _ in }).readsGradientsAfterEachBatch)
    }
}
