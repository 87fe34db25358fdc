import Foundation
import Testing
import Backprop
@testable import BackpropCore

@Suite("Schedules")
struct ScheduleTests {
    private func rates(_ schedule: any LearningRateSchedule, epochs: [Int]) -> [Double] {
        epochs.map { schedule.learningRate(epoch: $0, step: 0) }
    }

    @Test("Inverse time: α0/(1 + decay·epoch)")
    func inverseTime() {
        // α0 = 0.2, decay = 0.5: 0.2/1, 0.2/1.5, 0.2/2, 0.2/6.
        let schedule = InverseTimeSchedule(initialLearningRate: 0.2, decay: 0.5)
        #expect(allClose(rates(schedule, epochs: [0, 1, 2, 10]), [0.2, 0.2 / 1.5, 0.1, 0.2 / 6]))
    }

    @Test("Exponential: 0.95^epoch·α0")
    func exponential() {
        // α0 = 0.1: 0.1, 0.095, 0.09025, 0.1·0.95^10 = 0.059873693923837...
        let schedule = ExponentialSchedule(initialLearningRate: 0.1)
        #expect(allClose(rates(schedule, epochs: [0, 1, 2, 10]), [0.1, 0.095, 0.09025, 0.05987369392383789], relative: 1e-12))
    }

    @Test("Inverse square root: k/√(epoch+1)·α0, epochs counted from 1")
    func inverseSquareRoot() {
        // α0 = 0.3, k = 2: epoch index 0 → e = 1 → 0.6; index 3 → e = 4 → 0.3; index 8 → e = 9 → 0.2.
        let schedule = InverseSquareRootSchedule(initialLearningRate: 0.3, k: 2)
        #expect(allClose(rates(schedule, epochs: [0, 3, 8]), [0.6, 0.3, 0.2]))
    }

    @Test("Step: α0·factor^⌊epoch/every⌋")
    func step() {
        // α0 = 0.1, every 10, factor 0.5: epochs 0–9 → 0.1, 10–19 → 0.05, 25 → 0.025.
        let schedule = StepSchedule(initialLearningRate: 0.1, every: 10, factor: 0.5)
        #expect(allClose(rates(schedule, epochs: [0, 9, 10, 19, 20, 25]), [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]))
    }

    @Test("Cosine with linear warm-up, in epochs and in steps")
    func cosine() {
        // α0 = 1, W = 2, T = 6, αmin = 0: warm-up 0.5, 1; then p = 0, 1/4, 1/2, 3/4 → 1, (1+√½)/2, ½, (1−√½)/2; 0 from T on.
        let schedule = CosineSchedule(initialLearningRate: 1, length: 6, warmup: 2)
        let half = 0.5.squareRoot()
        #expect(allClose(rates(schedule, epochs: [0, 1, 2, 3, 4, 5, 6, 50]),
                         [0.5, 1, 1, (1 + half) / 2, 0.5, (1 - half) / 2, 0, 0], absolute: 1e-15))
        // Without warm-up and with a floor of 0.1: halfway gives 0.1 + 0.9·½ = 0.55.
        let floored = CosineSchedule(initialLearningRate: 1, length: 10, minimumLearningRate: 0.1)
        #expect(isClose(floored.learningRate(epoch: 5, step: 0), 0.55))
        #expect(isClose(floored.learningRate(epoch: 10, step: 0), 0.1))
        // In steps: the epoch is ignored.
        let steps = CosineSchedule(initialLearningRate: 1, length: 100, warmup: 10, unit: .steps)
        #expect(isClose(steps.learningRate(epoch: 7, step: 4), 0.5))
        #expect(isClose(steps.learningRate(epoch: 0, step: 55), 0.5, absolute: 1e-15))
    }

    @Test("Cosine with warm restarts (SGDR): hand-computed values, T0 = 2 and T_mult = 2")
    func cosineRestarts() {
        // α0 = 1, αmin = 0.1, T0 = 2, m = 2: cycles [0, 2), [2, 6), [6, 14).
        // t = 0: 1; t = 1: t_cur/T = ½ → 0.1 + 0.9·½ = 0.55; t = 2: restart → 1;
        // t = 3: ¼ → 0.1 + 0.9·(1 + √½)/2; t = 4: ½ → 0.55; t = 5: ¾ → 0.1 + 0.9·(1 − √½)/2; t = 6: 1;
        // t = 13: 7/8 → 0.1 + 0.9·(1 + cos 7π/8)/2.
        let schedule = CosineRestartsSchedule(initialLearningRate: 1, period: 2, multiplier: 2, minimumLearningRate: 0.1)
        let half = 0.5.squareRoot()
        let cos78 = -(2 + 2.0.squareRoot()).squareRoot() / 2
        #expect(allClose(rates(schedule, epochs: [0, 1, 2, 3, 4, 5, 6, 13, 14]),
                         [1, 0.55, 1, 0.1 + 0.45 * (1 + half), 0.55, 0.1 + 0.45 * (1 - half), 1, 0.1 + 0.45 * (1 + cos78), 1],
                         absolute: 1e-15))
        #expect([0, 1, 2, 5, 6, 13, 14].map { schedule.endsCycle(at: $0) } == [false, true, false, true, false, true, false])
        #expect(schedule.cycle(at: 13) == CosineRestartsSchedule.Cycle(index: 2, position: 7, length: 8))
        // m = 1: every cycle lasts T0; in steps the epoch is ignored.
        let even = CosineRestartsSchedule(initialLearningRate: 0.4, period: 4, unit: .steps)
        #expect(allClose([0, 2, 4, 6, 9].map { even.learningRate(epoch: 99, step: $0) }, [0.4, 0.2, 0.4, 0.2, 0.4 * (1 + half) / 2], absolute: 1e-15))
        #expect(even.endsCycle(at: 7) && !even.endsCycle(at: 8))
        // A multiplier whose lengths pass Int.max ends in one cycle that never ends.
        let huge = CosineRestartsSchedule(initialLearningRate: 1, period: 1, multiplier: Int.max / 2)
        #expect(huge.cycle(at: Int.max / 2 + 5).index == 2 && !huge.endsCycle(at: Int.max - 1))
    }

    @Test("Cosine with warm restarts equals PyTorch's CosineAnnealingWarmRestarts recurrence")
    func cosineRestartsMatchesPyTorchRecurrence() {
        // PyTorch keeps T_cur and T_i and, at each step(), does T_cur += 1; if T_cur ≥ T_i then
        // T_cur −= T_i and T_i *= T_mult; the rate is η_min + (η0 − η_min)(1 + cos(π·T_cur/T_i))/2.
        for (period, multiplier) in [(1, 1), (3, 1), (1, 2), (5, 3)] {
            let schedule = CosineRestartsSchedule(initialLearningRate: 0.05, period: period, multiplier: multiplier, minimumLearningRate: 0.001)
            var current = 0, length = period
            for epoch in 0..<200 {
                let expected = 0.001 + (0.05 - 0.001) * (1 + cos(.pi * Double(current) / Double(length))) / 2
                #expect(schedule.learningRate(epoch: epoch, step: 0) == expected, "T0 \(period), mult \(multiplier), epoch \(epoch)")
                current += 1
                if current >= length { current -= length; length *= multiplier }
            }
        }
    }

    @Test("Reduce on plateau: halves after `patience` flat epochs and stops after a total factor of 1024")
    func plateau() throws {
        var plateau = ReduceOnPlateau(initialLearningRate: 0.1, factor: 0.5, patience: 2, minDelta: 0.01)
        // 1.0 best; 0.995 is not better by more than 0.01 (wait 1); 0.99 wait 2 → halve to 0.05.
        var decision = plateau.record(1.0)
        #expect(decision.improved && !decision.didReduce && decision.learningRate == 0.1)
        decision = plateau.record(0.995)
        #expect(!decision.improved && !decision.didReduce && plateau.wait == 1)
        decision = plateau.record(0.99)
        #expect(decision.didReduce && decision.learningRate == 0.05 && plateau.wait == 0)
        decision = plateau.record(0.5)
        #expect(decision.improved && decision.learningRate == 0.05 && plateau.best == 0.5)
        #expect(plateau.learningRate(epoch: 9, step: 99) == 0.05)

        // State survives encoding.
        let restored = try JSONDecoder().decode(ReduceOnPlateau.self, from: JSONEncoder().encode(plateau))
        #expect(restored == plateau)

        // Flat from here: a reduction every 2 epochs; after the 10th (0.1/1024) training should stop.
        var reductions = 1
        while !decision.shouldStop {
            decision = plateau.record(0.5)
            if decision.didReduce { reductions += 1 }
            #expect(reductions <= 10)
        }
        #expect(reductions == 10 && plateau.reductionCount == 10)
        #expect(isClose(decision.learningRate, 0.1 / 1024))

        // ÷10 with a total of 1000: three reductions; a higher-is-better metric.
        var accuracy = ReduceOnPlateau(initialLearningRate: 1, factor: 0.1, patience: 1, stopAfterTotalFactor: 1000, goal: .maximize)
        _ = accuracy.record(0.5)
        #expect(accuracy.record(0.6).improved)
        var count = 0
        while !accuracy.record(0.6).shouldStop { count += 1 }
        #expect(count == 2 && accuracy.reductionCount == 3 && isClose(accuracy.currentLearningRate, 0.001))
    }

    @Test("Flags parse into the named schedules")
    func parsing() throws {
        let step = try #require(try LearningRateSchedules.make(parsing: "step:every=10,factor=0.5", initialLearningRate: 0.1) as? StepSchedule)
        #expect(step == StepSchedule(initialLearningRate: 0.1, every: 10, factor: 0.5))
        #expect(try LearningRateSchedules.make(parsing: "constant", initialLearningRate: 0.3).learningRate(epoch: 7, step: 9) == 0.3)
        #expect(try LearningRateSchedules.make(parsing: "inverse-time:decay=2", initialLearningRate: 0.3) as? InverseTimeSchedule
                == InverseTimeSchedule(initialLearningRate: 0.3, decay: 2))
        #expect(try LearningRateSchedules.make(parsing: "exponential", initialLearningRate: 0.3) as? ExponentialSchedule
                == ExponentialSchedule(initialLearningRate: 0.3, base: 0.95))
        #expect(try LearningRateSchedules.make(parsing: "inverse-sqrt:k=3", initialLearningRate: 0.3) as? InverseSquareRootSchedule
                == InverseSquareRootSchedule(initialLearningRate: 0.3, k: 3))
        #expect(try LearningRateSchedules.make(parsing: "cosine:warmup=5", initialLearningRate: 0.3, epochs: 50) as? CosineSchedule
                == CosineSchedule(initialLearningRate: 0.3, length: 50, warmup: 5))
        #expect(try LearningRateSchedules.make(parsing: "cosine:length-steps=1000,warmup-steps=100", initialLearningRate: 0.3) as? CosineSchedule
                == CosineSchedule(initialLearningRate: 0.3, length: 1000, warmup: 100, unit: .steps))
        #expect(try LearningRateSchedules.make(parsing: "plateau:factor=0.1,patience=5,stop-after=1000", initialLearningRate: 0.3) as? ReduceOnPlateau
                == ReduceOnPlateau(initialLearningRate: 0.3, factor: 0.1, patience: 5, stopAfterTotalFactor: 1000))
        #expect(try LearningRateSchedules.make(parsing: "cosine-restarts:period=10,mult=2,min=0.001", initialLearningRate: 0.1) as? CosineRestartsSchedule
                == CosineRestartsSchedule(initialLearningRate: 0.1, period: 10, multiplier: 2, minimumLearningRate: 0.001))
        #expect(try LearningRateSchedules.make(parsing: "cosine-restarts", initialLearningRate: 0.1) as? CosineRestartsSchedule
                == CosineRestartsSchedule(initialLearningRate: 0.1, period: 10))
        #expect(try LearningRateSchedules.make(parsing: "cosine-restarts:period-steps=500", initialLearningRate: 0.1) as? CosineRestartsSchedule
                == CosineRestartsSchedule(initialLearningRate: 0.1, period: 500, unit: .steps))
        for bad in ["linear", "step:every=0", "step:every=2.5", "step:size=3", "cosine", "cosine:length=5,warmup=5",
                    "plateau:factor=1", "exponential:base=1.5", "step:every", "cosine-restarts:period=0", "cosine-restarts:period-steps=0",
                    "cosine-restarts:period=5,mult=1.5", "cosine-restarts:period=5,mult=0", "cosine-restarts:period=5,period-steps=9",
                    "cosine-restarts:period=5,min=0.2", "cosine-restarts:period=5,length=3", "one-cycle"] {
            #expect(throws: NetworkError.self, "\(bad)") { try LearningRateSchedules.make(parsing: bad, initialLearningRate: 0.1) }
        }
        #expect(ScheduleName.allCases.map(\.rawValue) == ["constant", "inverse-time", "exponential", "inverse-sqrt", "step", "cosine", "one-cycle", "cosine-restarts", "plateau"])
    }
}
