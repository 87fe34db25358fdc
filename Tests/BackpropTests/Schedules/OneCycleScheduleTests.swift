import Foundation
import Testing
import Backprop
@testable import BackpropCore
@testable import BackpropRecipes
@testable import BackpropRuns

/// The one-cycle schedule: hand-computed rates at chosen updates, PyTorch's `OneCycleLR`
/// formula, parsing, and the length a training run gives it.
@Suite("One-cycle schedule")
struct OneCycleScheduleTests {
    /// PyTorch's `OneCycleLR.get_lr` (cos annealing, two phases) transcribed: phase ends at
    /// `pct·T − 1` and `T − 1`, `pct = (step − start)/(end − start)` within a phase, and
    /// `end + (start − end)/2·(cos(π·pct) + 1)`.
    static func pytorch(step: Int, maxLR: Double, total: Int, pct: Double, div: Double, finalDiv: Double) -> Double {
        let initial = maxLR / div, minimum = initial / finalDiv
        let phases = [(end: pct * Double(total) - 1, start: initial, target: maxLR), (end: Double(total) - 1, start: maxLR, target: minimum)]
        var startStep = 0.0
        for (index, phase) in phases.enumerated() {
            if Double(step) <= phase.end || index == phases.count - 1 {
                let progress = (Double(step) - startStep) / (phase.end - startStep)
                return phase.target + (phase.start - phase.target) / 2 * (cos(Double.pi * progress) + 1)
            }
            startStep = phase.end
        }
        return .nan
    }

    @Test func handComputedRatesAtChosenUpdates() throws {
        // T = 105, pct = 0.2: the rise ends at update 20, the fall runs over 84 updates.
        let schedule = try OneCycleSchedule(maximumLearningRate: 0.05, totalUpdates: 105, risingFraction: 0.2, initialDivisor: 25, finalDivisor: 1e4)
        let initial = 0.05 / 25, final = 0.05 / 25 / 1e4
        #expect(schedule.learningRate(epoch: 0, step: 0) == initial)
        #expect(isClose(schedule.learningRate(epoch: 0, step: 10), (initial + 0.05) / 2, absolute: 1e-17))
        #expect(schedule.learningRate(epoch: 0, step: 20) == 0.05)
        #expect(isClose(schedule.learningRate(epoch: 0, step: 62), (0.05 + final) / 2, absolute: 1e-17))
        #expect(isClose(schedule.learningRate(epoch: 0, step: 104), final, absolute: 1e-20))
        // A quarter of the fall: final + (max − final)·(1 + cos(π/4))/2.
        #expect(isClose(schedule.learningRate(epoch: 0, step: 41), final + (0.05 - final) * (1 + 0.5.squareRoot()) / 2, absolute: 1e-17))
        // Past the run it stays at the final rate; the epoch is ignored.
        #expect(isClose(schedule.learningRate(epoch: 9, step: 500), final, absolute: 1e-20))
        #expect(schedule.learningRate(epoch: 3, step: 10) == schedule.learningRate(epoch: 0, step: 10))
    }

    @Test("equals PyTorch's OneCycleLR at every update", arguments: [(100, 0.3, 25.0, 1e4), (937, 0.25, 10.0, 100.0), (7, 0.5, 5.0, 2.0)])
    func equalsPyTorchsFormula(total: Int, pct: Double, div: Double, finalDiv: Double) throws {
        let schedule = try OneCycleSchedule(maximumLearningRate: 0.003, totalUpdates: total, risingFraction: pct, initialDivisor: div, finalDivisor: finalDiv)
        for step in 0..<total {
            let expected = Self.pytorch(step: step, maxLR: 0.003, total: total, pct: pct, div: div, finalDiv: finalDiv)
            #expect(isClose(schedule.learningRate(epoch: 0, step: step), expected, absolute: 1e-18, relative: 1e-14), "update \(step)")
        }
    }

    @Test func parsedWithDefaultsAndTheRunsLength() throws {
        let configuration = try ScheduleConfiguration(parsing: "one-cycle:pct=0.25")
        let schedule = try #require(try configuration.makeSchedule(initialLearningRate: 0.01, epochs: 4, updatesPerEpoch: 30) as? OneCycleSchedule)
        #expect(schedule.maximumLearningRate == 0.01 && schedule.totalUpdates == 120 && schedule.risingFraction == 0.25)
        #expect(schedule.initialDivisor == 25 && schedule.finalDivisor == 1e4)
        let peaked = try #require(try LearningRateSchedules.make(parsing: "one-cycle:max=0.2,div=10,final-div=100", initialLearningRate: 0.01,
                                                                 epochs: 2, updatesPerEpoch: 50) as? OneCycleSchedule)
        #expect(peaked.maximumLearningRate == 0.2 && peaked.initialDivisor == 10 && peaked.finalDivisor == 100)
        // Without the length it can be checked but not built.
        try configuration.validate(initialLearningRate: 0.01, epochs: 4)
        #expect(throws: NetworkError.self) { try configuration.makeSchedule(initialLearningRate: 0.01, epochs: 4) }
        for bad in ["one-cycle:pct=1", "one-cycle:pct=0", "one-cycle:div=0.5", "one-cycle:final-div=0", "one-cycle:max=-1", "one-cycle:warmup=3"] {
            #expect(throws: NetworkError.self, "\(bad)") { try ScheduleConfiguration(parsing: bad) }
        }
        // pct·T ≤ 1 leaves no rise.
        #expect(throws: NetworkError.self) { try configuration.makeSchedule(initialLearningRate: 0.01, epochs: 1, updatesPerEpoch: 4) }
    }

    @Test func aTrainingRunStretchesTheCycleOverItsOptimiserSteps() throws {
        var recipe = TrainingRecipe()
        recipe.data = "moons:n=200"
        recipe.layers = [2, 8, 2]
        recipe.epochs = 3
        recipe.batchSize = 16
        recipe.accumulate = 2
        recipe.learningRate = 0.05
        recipe.schedule = "one-cycle"
        let run = try TrainingRun(recipe: recipe)
        let train = run.splits.train.count
        let batches = (train + 15) / 16, updates = (batches + 1) / 2
        let schedule = try #require(run.trainer.schedule as? OneCycleSchedule)
        #expect(schedule.totalUpdates == 3 * updates)
        let history = try run.fit()
        #expect(history.epochs.map(\.updates) == [updates, 2 * updates, 3 * updates])
        // The last update of the run uses the final rate α/(div·final-div).
        #expect(isClose(try #require(history.last).learningRate, 0.05 / 25 / 1e4, absolute: 1e-20))
    }
}
