import Foundation
import BackpropCore
import BackpropRecipes

// MARK: - Strategy by name

/// Builds a strategy from its name and settings, as a command line would.
public enum SearchStrategies {
    /// The strategy names: `grid`, `random`, `coarse-to-fine`, `successive-halving`, `hyperband`, `tpe`.
    public static let names = ["grid", "random", "coarse-to-fine", "successive-halving", "hyperband", "tpe"]

    /// Settings shared by the strategies; each uses the ones it needs.
    public struct Settings: Sendable, Hashable {
        /// Epochs of a full trial, `R` (the run's `epochs`).
        public var budget: Int
        /// Smallest epoch budget for successive halving / Hyperband (default `max(1, R / 27)`).
        public var minimumBudget: Int?
        /// Reduction factor η (default 3).
        public var eta: Int
        /// Configurations in rung 0 of successive halving (default `η^(rungs − 1)`, so one survivor).
        public var initialCount: Int?
        /// Trials per coarse-to-fine round (default 10).
        public var roundSize: Int
        /// Random start-up trials of TPE (default 8).
        public var startupTrials: Int

        /// Creates settings with the defaults above.
        public init(budget: Int, minimumBudget: Int? = nil, eta: Int = 3, initialCount: Int? = nil,
                    roundSize: Int = 10, startupTrials: Int = 8) {
            self.budget = budget
            self.minimumBudget = minimumBudget
            self.eta = eta
            self.initialCount = initialCount
            self.roundSize = roundSize
            self.startupTrials = startupTrials
        }
    }

    /// The strategy called `name`.
    /// - Throws: ``SearchError/invalidSetting(_:)`` for an unknown name (with a suggestion) or bad settings.
    public static func make(_ name: String, settings: Settings) throws -> SearchStrategy {
        let minimum = settings.minimumBudget ?? max(1, settings.budget / 27)
        switch name {
        case "grid": return GridSearch()
        case "random": return RandomSearch()
        case "coarse-to-fine": return CoarseToFineSearch(roundSize: settings.roundSize)
        case "tpe": return TreeParzenSearch(startupTrials: settings.startupTrials)
        case "hyperband":
            return try HyperbandSearch.hyperband(minimumBudget: minimum, maximumBudget: settings.budget, eta: settings.eta)
        case "successive-halving":
            var rungs = 1, budget = minimum
            while budget * max(2, settings.eta) <= settings.budget { budget *= max(2, settings.eta); rungs += 1 }
            let count = settings.initialCount ?? Int(Foundation.pow(Double(max(2, settings.eta)), Double(rungs - 1)))
            return try HyperbandSearch.successiveHalving(initialCount: count, minimumBudget: minimum,
                                                         maximumBudget: settings.budget, eta: settings.eta)
        default:
            var message = "unknown strategy '\(name)' (one of \(names.joined(separator: ", ")))"
            if let suggestion = KeySuggestion.closest(to: name, in: names) { message += "; did you mean '\(suggestion)'?" }
            throw SearchError.invalidSetting(message)
        }
    }
}
