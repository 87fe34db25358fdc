import Foundation
import Testing
import Backprop
@testable import BackpropCore

@Suite("Training callbacks")
struct CallbackTests {
    /// A context over a one-weight network whose weight the test sets to mark epochs.
    static func context() throws -> TrainingContext<Double> {
        let network = try Sequential<Double>.mlp([1, 1])
        return TrainingContext(network: network, optimizer: TestSGD(), plan: try BatchPlan(exampleCount: 10, batchSize: 5),
                               history: TrainingHistory(), shuffleGenerator: RandomGenerator(seed: 1))
    }

    static func record(_ epoch: Int, devCost: Double) -> EpochRecord {
        EpochRecord(epoch: epoch, trainCost: 1, trainAccuracy: 0.5, devCost: devCost, devAccuracy: 0.5,
                    learningRate: 0.1, seconds: 0, updates: epoch)
    }

    /// Feeds `values` as dev costs; epoch `e` sets the weight to `e`. Returns the epoch at
    /// which the callback asked to stop.
    static func feed(_ values: [Double], to callback: some TrainingCallback<Double>, context: TrainingContext<Double>) throws -> Int? {
        try callback.trainingWillBegin(context)
        defer { try? callback.trainingDidEnd(context) }
        for (index, value) in values.enumerated() {
            context.network.parameters[0].value[0, 0] = Double(index + 1)
            if case .stop = try callback.epochDidEnd(context, record: record(index + 1, devCost: value)) { return index + 1 }
        }
        return nil
    }

    @Test func earlyStoppingStopsAfterPatienceAndRestoresTheBestWeights() throws {
        let context = try Self.context()
        let stopping = EarlyStopping<Double>(monitor: .devCost, patience: 3)
        let stoppedAt = try Self.feed([5, 4, 3, 3.5, 3.6, 3.7, 1], to: stopping, context: context)
        #expect(stoppedAt == 6)
        #expect(stopping.bestEpoch == 3 && stopping.bestValue == 3)
        #expect(context.network.parameters[0].value[0, 0] == 3)
    }

    @Test func minDeltaIgnoresTinyImprovements() throws {
        let stopping = EarlyStopping<Double>(monitor: .devCost, patience: 2, minDelta: 0.1, restoresBestWeights: false)
        let stoppedAt = try Self.feed([1, 0.95, 0.92, 0.5], to: stopping, context: try Self.context())
        #expect(stoppedAt == 3)
        #expect(stopping.bestEpoch == 1)
    }

    @Test func patienceGrowsAfterLateImprovements() throws {
        let stopping = EarlyStopping<Double>(monitor: .devCost, patienceStages: [2, 4], restoresBestWeights: false)
        // Epoch 3 improves after a wait of 1 = half the patience 2: patience becomes 4, so
        // epochs 4–6 without improvement do not stop the run; the fourth (epoch 7) does.
        let stoppedAt = try Self.feed([5, 6, 4, 4.5, 4.5, 4.5, 4.5, 4.5], to: stopping, context: try Self.context())
        #expect(stoppedAt == 7)
        #expect(stopping.patience == 4)
        let fixed = EarlyStopping<Double>(monitor: .devCost, patience: 2, restoresBestWeights: false)
        #expect(try Self.feed([5, 6, 4, 4.5, 4.5, 4.5, 4.5, 4.5], to: fixed, context: try Self.context()) == 5)
    }

    @Test func earlyStoppingInAFitRestoresTheBestEpochsWeights() throws {
        let network = try Sequential<Float>.mlp([2, 16, 2])
        initializeForTests(network, seed: 3)
        var weightsByEpoch: [Int: [[Float]]] = [:]
        let recorder = ClosureCallback<Float>(onEpochEnd: { context, record in
            weightsByEpoch[record.epoch] = context.network.parameters.map(\.value.elements)
            return .proceed
        })
        // A large min-delta makes the run stop once progress slows.
        let stopping = EarlyStopping<Float>(monitor: .devCost, patience: 3, minDelta: 0.02)
        let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy(), optimizer: TestMomentum(), schedule: ConstantSchedule(0.1),
                              options: TrainingOptions(epochs: 300, batchSize: 32, seed: 2))
        let history = try trainer.fit(try moons(200), validation: try moons(60, seed: 5), callbacks: [recorder, stopping])
        let best = try #require(stopping.bestEpoch)
        #expect(history.epochs.count < 300)
        #expect(history.stopReason?.contains("early stopping") == true)
        #expect(history.epochs.count == best + 3)
        #expect(network.parameters.map(\.value.elements) == weightsByEpoch[best])
        #expect(weightsByEpoch[history.epochs.count] != weightsByEpoch[best])
    }

    @Test func plateauHalvesTheRateAndStopsAfterAFactorOf1024() throws {
        let context = try Self.context()
        let plateau = PlateauCallback<Double>(monitor: .devCost, patience: 2, factor: 0.5)
        try plateau.trainingWillBegin(context)
        var decisions: [CallbackDecision] = []
        var factors: [Double] = []
        for epoch in 1...30 {
            let value = epoch <= 3 ? 10 - Double(epoch) : 7  // improves to epoch 3, then flat
            decisions.append(try plateau.epochDidEnd(context, record: Self.record(epoch, devCost: value)))
            factors.append(context.learningRateFactor)
            if case .stop = decisions.last { break }
        }
        #expect(Array(factors.prefix(7)) == [1, 1, 1, 1, 0.5, 0.5, 0.25])
        // Ten halvings (epochs 5, 7, …, 23) reach 1/1024 and stop.
        let stopIndex = try #require(decisions.firstIndex { if case .stop = $0 { true } else { false } })
        #expect(stopIndex + 1 == 23)
        #expect(factors[stopIndex] == 1.0 / 1024)
        #expect(plateau.reduction == 1024)
    }

    @Test func plateauFactorMultipliesLikeTheScheduleAndItsSavedStateStillLoads() throws {
        // `--schedule plateau:factor=0.25` runs as a callback with the same factor.
        var recipe = TrainingRecipe()
        recipe.schedule = "plateau:factor=0.25,patience=3"
        recipe.epochs = 1
        let run = try TrainingRun(recipe: recipe)
        let plateau = try #require(run.recipeCallbacks.compactMap { $0 as? PlateauCallback<Float> }.first)
        #expect(plateau.factor == 0.25 && plateau.patience == 3)
        let rule = try #require(try recipe.schedule.value.makeSchedule(initialLearningRate: 1, epochs: 1) as? ReduceOnPlateau)
        #expect(rule.factor == plateau.factor)

        // A state written under the keys checkpoints have always used restores the rule.
        let context = try Self.context()
        let restored = PlateauCallback<Double>(monitor: .devCost, patience: 2, factor: 0.5)
        try restored.trainingWillBegin(context)
        let saved = CallbackState(numbers: ["reductions": 2, "wait": 1, "records": 6, "best": 7])
        try restored.restore(saved, in: context)
        #expect(restored.checkpointState() == saved)
        #expect(restored.reduction == 4)
        _ = try restored.epochDidEnd(context, record: Self.record(7, devCost: 7))
        #expect(context.learningRateFactor == 0.125)  // the wait reached 2: one more halving
    }

    @Test func checkpointsEveryNEpochsAndAtTheEnd() throws {
        let network = try Sequential<Float>.mlp([2, 4, 2])
        initializeForTests(network, seed: 1)
        var snapshots: [TrainingSnapshot] = []
        var liveWeights: [Int: [Double]] = [:]
        let recorder = ClosureCallback<Float>(onEpochEnd: { context, record in
            liveWeights[record.epoch] = context.network.parameters[0].value.elements.map(Double.init)
            return .proceed
        })
        let checkpoint: (TrainingContext<Float>) throws -> Void = CheckpointSchedule(every: 2).handler(epochs: 5) { snapshots.append($0) }
        let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy(), optimizer: TestMomentum(), schedule: ConstantSchedule(0.1),
                              options: TrainingOptions(epochs: 5, batchSize: 30, seed: 1))
        try trainer.fit(try moons(100), callbacks: [recorder], epochCompleted: checkpoint)
        #expect(snapshots.map(\.epoch) == [2, 4, 5])
        #expect(snapshots.map(\.step) == [8, 16, 20])
        for snapshot in snapshots {
            #expect(snapshot.parameters[0].name == "layers.0.weight")
            #expect(snapshot.parameters[0].values == liveWeights[snapshot.epoch])
            #expect(snapshot.optimizerState.step == snapshot.step)
            #expect(snapshot.history.epochs.count == snapshot.epoch)
        }
        let decoded = try JSONDecoder().decode(TrainingSnapshot.self, from: JSONEncoder().encode(snapshots[0]))
        #expect(decoded == snapshots[0])
    }

    @Test func checkpointScheduleSavesWhenDueAndAStoppedRunWithItsStopReason() throws {
        let every3 = CheckpointSchedule(every: 3, alsoAfter: 4)
        #expect((1...7).filter { every3.isDue(epoch: $0, finished: $0 == 7) } == [3, 4, 6, 7])
        let none = CheckpointSchedule(every: 0, alsoAfter: 2)
        #expect((1...3).filter { none.isDue(epoch: $0, finished: $0 == 3) } == [2])
        #expect(!none.isDue(epoch: 2, finished: true))

        // A run stopped by a callback saves after its last epoch, with the reason recorded.
        let network = try Sequential<Float>.mlp([2, 4, 2])
        initializeForTests(network, seed: 1)
        var snapshots: [TrainingSnapshot] = []
        let stopper = ClosureCallback<Float>(onEpochEnd: { _, record in record.epoch == 3 ? .stop(reason: "enough") : .proceed })
        let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy(), optimizer: TestSGD(), schedule: ConstantSchedule(0.1),
                              options: TrainingOptions(epochs: 10, batchSize: 50, seed: 1))
        try trainer.fit(try moons(100), callbacks: [stopper], epochCompleted: CheckpointSchedule(every: 2).handler(epochs: 10) { snapshots.append($0) })
        #expect(snapshots.map(\.epoch) == [2, 3])
        #expect(snapshots.last?.history.stopReason == "enough")
    }

    @Test func plateauCallbackLowersTheRateUsedByTheLoop() throws {
        let network = try Sequential<Float>.mlp([2, 4, 2])
        initializeForTests(network, seed: 1)
        // min-delta 10 means nothing ever counts as an improvement after the first epoch.
        let plateau = PlateauCallback<Float>(monitor: .trainCost, patience: 1, factor: 0.1, maximumReduction: 1000, minDelta: 10)
        let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy(), optimizer: TestSGD(), schedule: ConstantSchedule(0.5),
                              options: TrainingOptions(epochs: 10, batchSize: 100, seed: 1))
        let history = try trainer.fit(try moons(100), callbacks: [plateau])
        #expect(history.epochs.map(\.learningRate).allSatisfy { $0 > 0 })
        #expect(allClose(history.epochs.map(\.learningRate), [0.5, 0.5, 0.05, 0.005], relative: 1e-12))
        #expect(history.stopReason?.contains("plateau") == true)
    }
}
