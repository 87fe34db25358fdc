import Foundation
import Testing
import Backprop
@testable import BackpropCore
@testable import BackpropSelection

@Suite("StudyAnalysis")
struct StudyAnalysisTests {
    static let space = SearchSpace(parameters: [
        SearchParameter(name: "lr", domain: .logUniform(lower: 1e-4, upper: 1)),
        SearchParameter(name: "noise", domain: .uniform(lower: 0, upper: 1)),
        SearchParameter(name: "activation", domain: .choices([.string("relu"), .string("tanh")])),
    ])

    /// Trials whose objective is `log10(lr)` plus 10 for tanh; `noise` is unrelated.
    static func trials(count: Int = 40) -> [TrialRecord] {
        var generator = RandomGenerator(seed: 1)
        return (0..<count).map { k in
            let configuration = space.sample(using: &generator)
            let lr = configuration["lr"]!.numericValue!
            let penalty = configuration["activation"] == .string("tanh") ? 10.0 : 0
            return TrialRecord(id: Int64(k + 1), number: k, configuration: configuration, seed: 0, budget: 5,
                               status: k == 3 ? .failed : .completed, objective: k == 3 ? nil : Foundation.log10(lr) + penalty)
        }
    }

    @Test func leaderboardSortsByObjectiveInEitherDirection() {
        let trials = Self.trials()
        let minimum = StudyAnalysis.leaderboard(trials, objective: Objective(metric: "dev_cost", direction: .minimize))
        #expect(minimum.count == 39)
        #expect(minimum.map(\.rank) == Array(1...39))
        #expect(zip(minimum, minimum.dropFirst()).allSatisfy { $0.trial.objective! <= $1.trial.objective! })
        let maximum = StudyAnalysis.leaderboard(trials, objective: Objective(metric: "dev_accuracy", direction: .maximize))
        #expect(maximum.first?.trial.id == minimum.last?.trial.id)
        #expect(!minimum.contains { $0.trial.number == 3 })
    }

    @Test func importanceRanksRelevantParametersFirst() {
        // Objective depends on lr only (monotonically): |ρ(lr)| = 1, noise scores low.
        let trials = Self.trials().map { trial -> TrialRecord in
            var copy = trial
            if copy.objective != nil { copy.objective = Foundation.log10(copy.configuration["lr"]!.numericValue!) }
            return copy
        }
        let ranking = StudyAnalysis.importance(trials, space: Self.space)
        #expect(ranking.first?.name == "lr")
        #expect(isClose(ranking.first!.score, 1))
        #expect(ranking.first { $0.name == "noise" }!.score < 0.5)
        // With the tanh penalty, the categorical choice dominates.
        let withChoice = StudyAnalysis.importance(Self.trials(), space: Self.space)
        #expect(withChoice.first?.name == "activation")
        #expect(withChoice.first!.score > 0.8)
    }

    @Test func rankCorrelationHelpersMatchHandComputedValues() {
        #expect(StudyAnalysis.ranks([10, 30, 20, 20]) == [1, 4, 2.5, 2.5])
        #expect(isClose(StudyAnalysis.pearson([1, 2, 3], [2, 4, 6]), 1))
        #expect(isClose(StudyAnalysis.pearson([1, 2, 3], [3, 2, 1]), -1))
        // x = [1,2,3,4], y = [1,3,2,4]: Σdx·dy = 4, Σdx² = Σdy² = 5, so r = 4/5.
        #expect(isClose(StudyAnalysis.pearson([1, 2, 3, 4], [1, 3, 2, 4]), 0.8))
        #expect(StudyAnalysis.pearson([1, 1, 1], [1, 2, 3]) == 0)
    }

    @Test func objectiveSeriesGivesOnePointPerCompletedTrial() {
        let series = StudyAnalysis.objectiveSeries(Self.trials(), space: Self.space)
        #expect(series.map(\.parameter) == ["lr", "noise", "activation"])
        #expect(series.allSatisfy { $0.points.count == 39 })
        #expect(series[0].logarithmic && !series[1].logarithmic)
        #expect(series[2].categories == ["relu", "tanh"])
        #expect(series[2].points.allSatisfy { $0.x == 0 || $0.x == 1 })
        let trial = Self.trials()[0]
        #expect(series[0].points.first { $0.trial == 0 }?.x == trial.configuration["lr"]!.numericValue)
    }
}
