import Foundation
import BackpropRecipes

// MARK: - Analysis

/// Leaderboard, hyper-parameter importance and plot data of a study.
public enum StudyAnalysis {
    /// One row of the leaderboard.
    public struct Entry: Sendable, Hashable {
        /// 1-based rank (best first).
        public var rank: Int
        /// The trial.
        public var trial: TrialRecord
    }

    /// Completed trials sorted by objective, best first (ties by trial number). With several
    /// budgets (successive halving), a configuration appears once per budget.
    public static func leaderboard(_ trials: [TrialRecord], objective: Objective) -> [Entry] {
        trials
            .filter { $0.status == .completed && $0.objective != nil }
            .sorted { (objective.loss($0.objective!), $0.number) < (objective.loss($1.objective!), $1.number) }
            .enumerated()
            .map { Entry(rank: $0.offset + 1, trial: $0.element) }
    }

    /// The importance of one hyper-parameter.
    public struct Importance: Sendable, Hashable {
        /// The parameter name.
        public var name: String
        /// A score in [0, 1]; larger means the objective depends more on the parameter.
        public var score: Double
    }

    /// Ranks parameters by how strongly the objective depends on them, over completed trials at the
    /// largest budget present. Numeric parameters (numbers, integers, numeric choices) score the
    /// absolute Spearman rank correlation |ρ| between value and objective; non-numeric choices score
    /// the correlation ratio η = √(between-group variance / total variance) of the objective ranks
    /// grouped by choice. Parameters with fewer than 3 trials or no variation score 0. Sorted, largest first.
    public static func importance(_ trials: [TrialRecord], space: SearchSpace) -> [Importance] {
        let completed = trials.filter { $0.status == .completed && $0.objective != nil }
        let topBudget = completed.map(\.budget).max() ?? 0
        let usable = completed.filter { $0.budget == topBudget }
        let objectiveRanks = ranks(usable.map { $0.objective! })
        return space.parameters.map { parameter in
            guard usable.count >= 3 else { return Importance(name: parameter.name, score: 0) }
            let values = usable.map { $0.configuration[parameter.name] ?? .string("") }
            if values.allSatisfy({ $0.numericValue != nil }) {
                let rho = pearson(ranks(values.map { $0.numericValue! }), objectiveRanks)
                return Importance(name: parameter.name, score: abs(rho))
            }
            var groups: [ConfigValue: [Double]] = [:]
            for (value, rank) in zip(values, objectiveRanks) { groups[value, default: []].append(rank) }
            let mean = objectiveRanks.reduce(0, +) / Double(objectiveRanks.count)
            let total = objectiveRanks.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            let between = groups.values.reduce(0.0) { sum, group in
                let groupMean = group.reduce(0, +) / Double(group.count)
                return sum + Double(group.count) * (groupMean - mean) * (groupMean - mean)
            }
            return Importance(name: parameter.name, score: total > 0 ? (between / total).squareRoot() : 0)
        }
        .sorted { ($0.score, $1.name) > ($1.score, $0.name) }
    }

    /// Points of one "objective against hyper-parameter" plot.
    public struct Series: Sendable, Hashable {
        /// The parameter name (x axis).
        public var parameter: String
        /// Whether the x axis should be logarithmic (log-uniform, one-minus-log-uniform via 1 − x, log integers).
        public var logarithmic: Bool
        /// The category labels when the parameter is a non-numeric choice (x = index).
        public var categories: [String]?
        /// (x, objective, trial number) per completed trial.
        public var points: [(x: Double, objective: Double, trial: Int)]

        /// Equal when parameter, axis kind, categories and every point agree.
        public static func == (lhs: Series, rhs: Series) -> Bool {
            lhs.parameter == rhs.parameter && lhs.logarithmic == rhs.logarithmic && lhs.categories == rhs.categories
                && lhs.points.map(\.x) == rhs.points.map(\.x) && lhs.points.map(\.objective) == rhs.points.map(\.objective)
                && lhs.points.map(\.trial) == rhs.points.map(\.trial)
        }

        /// Hashes the parameter name and point count.
        public func hash(into hasher: inout Hasher) {
            hasher.combine(parameter)
            hasher.combine(points.count)
        }
    }

    /// One series per parameter: the x value (number, or choice index) and objective of each completed trial.
    public static func objectiveSeries(_ trials: [TrialRecord], space: SearchSpace) -> [Series] {
        let completed = trials.filter { $0.status == .completed && $0.objective != nil }
        return space.parameters.map { parameter in
            var categories: [String]?
            var logarithmic = false
            switch parameter.domain {
            case .choices(let values) where !values.allSatisfy({ $0.numericValue != nil }):
                categories = values.map(\.description)
            case .logUniform, .oneMinusLogUniform: logarithmic = true
            case .integer(_, _, let log): logarithmic = log
            default: break
            }
            let points = completed.compactMap { trial -> (x: Double, objective: Double, trial: Int)? in
                guard let value = trial.configuration[parameter.name], let x = parameter.numericValue(of: value) else { return nil }
                return (x, trial.objective!, trial.number)
            }
            return Series(parameter: parameter.name, logarithmic: logarithmic, categories: categories, points: points)
        }
    }

    // MARK: Statistics helpers

    /// Average ranks (1-based, ties share the mean rank).
    static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var result = Array(repeating: 0.0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
            let rank = Double(start + end) / 2 + 1
            for position in start...end { result[order[position]] = rank }
            start = end + 1
        }
        return result
    }

    /// Pearson correlation; 0 when either side has no variance.
    static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        let n = Double(x.count)
        guard n > 1 else { return 0 }
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - mx) * (b - my)
            sxx += (a - mx) * (a - mx)
            syy += (b - my) * (b - my)
        }
        guard sxx > 0, syy > 0 else { return 0 }
        return sxy / (sxx * syy).squareRoot()
    }
}
