import Foundation
import Testing
import Backprop
@testable import BackpropSelection

@Suite("Strategies")
struct StrategyTests {
    static let unitX = SearchSpace(parameters: [SearchParameter(name: "x", domain: .uniform(lower: 0, upper: 1))])

    // MARK: Successive halving

    func runSuccessiveHalving(pruning: Bool) throws -> (trials: [TrialRecord], log: EvaluationLog) {
        let strategy = try HyperbandSearch.successiveHalving(initialCount: 9, minimumBudget: 1, maximumBudget: 9, eta: 3,
                                                             pruneWithinRung: pruning)
        let study = StudyDescription(space: Self.unitX, strategy: strategy.name, seed: 3, objective: Objective(), budget: 9)
        let (store, _) = try makeStudy(study)
        let log = EvaluationLog()
        let summary = try StudyDriver(store: store, strategy: strategy)
            .run(totalTrials: 100, runner: syntheticRunner(log: log, f: quadraticObjective))
        #expect(summary.evaluated.count == 13)
        return (try store.trials(), log)
    }

    @Test(arguments: [false, true])
    func successiveHalvingKeepsBestThirdAndGrowsBudget(pruning: Bool) throws {
        let (trials, log) = try runSuccessiveHalving(pruning: pruning)
        let rungs = (0...2).map { rung in trials.filter { $0.rung == rung } }
        #expect(rungs.map(\.count) == [9, 3, 1])
        #expect(rungs.map { Set($0.map(\.budget)) } == [[1], [3], [9]])
        // The survivors of each rung are the best 1/η by the true function, and carry the same configuration.
        for rung in 0..<2 {
            let expected = rungs[rung].sorted { quadraticObjective($0.configuration) < quadraticObjective($1.configuration) }
                .prefix(rungs[rung + 1].count).map(\.configuration)
            #expect(Set(rungs[rung + 1].map(\.configuration)) == Set(expected))
            for child in rungs[rung + 1] {
                let parent = try #require(trials.first { $0.id == child.parentID })
                #expect(parent.rung == rung && parent.configuration == child.configuration && parent.seed == child.seed)
            }
        }
        // Every evaluation stays within its budget; completed trials trained their whole budget.
        for entry in log.all { #expect(entry.epochs <= entry.budget) }
        let completed = trials.filter { $0.status == .completed }
        for trial in completed {
            #expect(log.all.first { $0.number == trial.number }?.epochs == trial.budget)
        }
        if pruning {
            // In rung 1 (3 trials, 1 survivor), a trial worse at epoch 0 than a finished peer stops after 1 of 3 epochs.
            let pruned = trials.filter { $0.status == .pruned && $0.rung == 1 }
            #expect(!pruned.isEmpty)
            for trial in pruned { #expect(log.all.first { $0.number == trial.number }!.epochs < trial.budget) }
        } else {
            #expect(trials.allSatisfy { $0.status == .completed })
        }
    }

    @Test func hyperbandBracketsFollowLiEtAl() throws {
        let strategy = try HyperbandSearch.hyperband(minimumBudget: 1, maximumBudget: 27, eta: 3)
        #expect(strategy.brackets.map(\.counts) == [[27, 9, 3, 1], [12, 4, 1], [6, 2], [4]])
        #expect(strategy.brackets.map(\.budgets) == [[1, 3, 9, 27], [3, 9, 27], [9, 27], [27]])
        #expect(throws: SearchError.self) { try HyperbandSearch.hyperband(minimumBudget: 5, maximumBudget: 2) }
        #expect(throws: SearchError.self) { try HyperbandSearch.successiveHalving(initialCount: 9, minimumBudget: 1, maximumBudget: 9, eta: 1) }
    }

    @Test func hyperbandRunsEveryBracket() throws {
        let strategy = try HyperbandSearch.hyperband(minimumBudget: 1, maximumBudget: 9, eta: 3)
        let study = StudyDescription(space: Self.unitX, strategy: strategy.name, seed: 5, objective: Objective(), budget: 9)
        let (store, _) = try makeStudy(study)
        let log = EvaluationLog()
        _ = try StudyDriver(store: store, strategy: strategy).run(totalTrials: 1000, runner: syntheticRunner(log: log, f: quadraticObjective))
        let trials = try store.trials()
        #expect(trials.count == (try strategy.maximumTrials(context: study.context)))
        for (b, bracket) in strategy.brackets.enumerated() {
            #expect((0..<bracket.counts.count).map { rung in trials.filter { $0.bracket == b && $0.rung == rung }.count } == bracket.counts)
        }
    }

    // MARK: Bayesian vs random

    /// Trials until `(x − 1.3)² < 0.0025` on x ∈ [−5, 5] (|x − 1.3| < 0.05), at most `cap`.
    static func trialsToReach(_ strategy: SearchStrategy, seed: UInt64, cap: Int = 300) throws -> Int {
        let space = SearchSpace(parameters: [SearchParameter(name: "x", domain: .uniform(lower: -5, upper: 5))])
        let context = ProposalContext(space: space, seed: seed, objective: Objective(), budget: 1)
        var history: [TrialRecord] = []
        for k in 0..<cap {
            guard case .propose(let proposal) = try strategy.next(number: k, history: history, context: context) else { return cap }
            let x = proposal.configuration["x"]!.numericValue!
            let value = (x - 1.3) * (x - 1.3)
            if value < 0.0025 { return k + 1 }
            history.append(TrialRecord(id: Int64(k + 1), number: k, configuration: proposal.configuration, seed: 0, budget: 1,
                                       status: .completed, objective: value))
        }
        return cap
    }

    @Test func treeParzenReachesQuadraticOptimumFasterThanRandom() throws {
        let seeds: [UInt64] = Array(1...10)
        let tpe = try seeds.map { try Self.trialsToReach(TreeParzenSearch(), seed: $0) }
        let random = try seeds.map { try Self.trialsToReach(RandomSearch(), seed: $0) }
        let tpeMean = Double(tpe.reduce(0, +)) / Double(seeds.count)
        let randomMean = Double(random.reduce(0, +)) / Double(seeds.count)
        print("trials to |x − x*| < 0.05 over 10 seeds: TPE mean \(tpeMean) \(tpe), random mean \(randomMean) \(random)")
        #expect(tpeMean < randomMean / 2)
        #expect(tpe.allSatisfy { $0 < 300 })
    }

    @Test func treeParzenIsDeterministicGivenHistory() throws {
        #expect(try Self.trialsToReach(TreeParzenSearch(), seed: 9) == (try Self.trialsToReach(TreeParzenSearch(), seed: 9)))
    }

    // MARK: Coarse to fine

    @Test func coarseToFineSamplesInsideShrinkingBoxes() throws {
        let strategy = CoarseToFineSearch(roundSize: 6, topCount: 2, shrink: 0.5)
        let space = SearchSpace(parameters: [SearchParameter(name: "x", domain: .uniform(lower: 0, upper: 1)),
                                             SearchParameter(name: "y", domain: .uniform(lower: 0, upper: 1))])
        let context = ProposalContext(space: space, seed: 2, objective: Objective(), budget: 1)
        var history: [TrialRecord] = []
        for k in 0..<18 {
            guard case .propose(let proposal) = try strategy.next(number: k, history: history, context: context) else {
                Issue.record("no proposal for trial \(k)"); return
            }
            let round = k / 6
            if round > 0 {
                let earlier = history.filter { $0.number < round * 6 }.sorted { $0.objective! < $1.objective! }.prefix(2)
                let side = Foundation.pow(0.5, Double(round))
                let inside = earlier.contains { best in
                    zip(best.configuration.point, proposal.configuration.point).allSatisfy { abs($0 - $1) <= side / 2 + 1e-12 }
                }
                #expect(inside, "trial \(k) outside every box of side \(side)")
            }
            var record = TrialRecord(id: Int64(k + 1), number: k, configuration: proposal.configuration, seed: 0, budget: 1, status: .running)
            // Before finishing, the next round must wait for this one.
            if k % 6 == 5 {
                #expect(try strategy.next(number: k + 1, history: history + [record], context: context) == .wait)
            }
            let point = proposal.configuration.point
            record.status = .completed
            record.objective = Foundation.pow(point[0] - 0.8, 2) + Foundation.pow(point[1] - 0.1, 2)
            history.append(record)
        }
        let bestOfRound = (0..<3).map { r in history.filter { $0.number / 6 == r }.map { $0.objective! }.min()! }
        #expect(bestOfRound[2] <= bestOfRound[0])
    }
}

@Suite("SearchStrategies")
struct SearchStrategiesTests {
    @Test func buildsEveryNamedStrategy() throws {
        for name in SearchStrategies.names {
            #expect(try SearchStrategies.make(name, settings: .init(budget: 27)).name == name)
        }
        let halving = try #require(try SearchStrategies.make("successive-halving", settings: .init(budget: 27)) as? HyperbandSearch)
        #expect(halving.brackets.map(\.counts) == [[27, 9, 3, 1]])
        #expect(halving.brackets.map(\.budgets) == [[1, 3, 9, 27]])
        let error = #expect(throws: SearchError.self) { try SearchStrategies.make("hyperbnad", settings: .init(budget: 9)) }
        #expect(error?.description.contains("did you mean 'hyperband'?") == true)
    }
}
