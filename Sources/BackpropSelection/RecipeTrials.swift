import Foundation
import BackpropCore
import BackpropData
import BackpropRecipes
import BackpropRuns

// MARK: - Trials of a training recipe

/// Turns trials of a hyper-parameter search into training runs: the base configuration
/// (a config file and flags) with the trial's values applied (``TrialConfiguration/applied(to:)``,
/// which combines `hidden-units` / `hidden-layers` into `layers`), read as a `TrainingRecipe`.
///
/// - The data are loaded and split with the *recipe's* seed, so every trial sees the same
///   training and dev examples (loaded once per distinct data setting and reused).
/// - The network's initial weights, dropout masks and shuffles use the *trial's* seed
///   (``TrialContext/seed``), and the run trains for the trial's budget of epochs.
/// - After every epoch the runner reports `train_cost`, `train_accuracy`, `dev_cost` and
///   `dev_accuracy` (those present) so strategies such as Hyperband can stop a trial early;
///   the final metrics are measured after training (with early stopping's best weights).
///
/// ```swift
/// let trials = try RecipeTrials(base: try RunConfiguration.load(path: "space.yaml"))
/// let summary = try StudyDriver(store: store, strategy: RandomSearch())
///     .run(totalTrials: 6, runner: trials.runner())
/// ```
public final class RecipeTrials: @unchecked Sendable {
    /// The configuration every trial starts from (its `search:` block is ignored here).
    public let base: RunConfiguration
    /// The recipe the base configuration describes (its `epochs` is a full trial's budget).
    public let baseRecipe: TrainingRecipe
    private let lock = NSLock()
    private var cache: [String: DatasetSplits<Float>] = [:]

    /// Checks the base configuration.
    /// - Throws: `ConfigError` for an unknown key or a bad value.
    public init(base: RunConfiguration) throws {
        self.base = base
        baseRecipe = try TrainingRecipe(configuration: base)
    }

    /// The metric names a trial reports, and the objective each `--objective` choice means.
    public static let objectives: [String: Objective] = [
        "dev-accuracy": Objective(metric: "dev_accuracy", direction: .maximize),
        "dev-cost": Objective(metric: "dev_cost", direction: .minimize),
    ]

    /// The recipe of a trial: the base with `configuration`'s values, `budget` epochs and
    /// `seed`.
    /// - Throws: `ConfigError` naming the searched key when a value does not fit.
    public func recipe(for configuration: TrialConfiguration, budget: Int, seed: UInt64) throws -> TrainingRecipe {
        var recipe = try TrainingRecipe(configuration: try configuration.applied(to: base))
        recipe.epochs = budget
        recipe.seed = seed
        return recipe
    }

    /// Checks that every searched key is a recipe key (or `hidden-units` / `hidden-layers`)
    /// and that the first grid point / centre of the space makes a valid recipe.
    /// - Throws: `ConfigError` naming the key.
    public func validate(_ space: SearchSpace) throws {
        let allowed = TrainingRecipe.keys + ["hidden-units", "hidden-layers"] + TrialConfiguration.optimizerOptionKeys.keys.sorted()
        for parameter in space.parameters where !allowed.contains(parameter.name) {
            throw ConfigError(file: base.file, key: "search.\(parameter.name)", line: nil,
                              problem: .unknownKey(suggestion: KeySuggestion.closest(to: parameter.name, in: allowed)))
        }
        _ = try recipe(for: space.configuration(at: Array(repeating: 0.5, count: space.dimension)), budget: baseRecipe.epochs, seed: baseRecipe.seed)
    }

    /// The training run of a trial, on the shared data split.
    public func run(for configuration: TrialConfiguration, budget: Int, seed: UInt64) throws -> TrainingRun {
        let recipe = try recipe(for: configuration, budget: budget, seed: seed)
        var dataRecipe = recipe
        dataRecipe.seed = try TrainingRecipe(configuration: try configuration.applied(to: base)).seed
        return try TrainingRun(recipe: recipe, data: try data(for: dataRecipe))
    }

    /// A runner for ``StudyDriver``: trains the trial's recipe, reporting every epoch, with
    /// the training callbacks `callbacks` makes for the trial (none by default).
    public func runner(
        callbacks: @escaping @Sendable (TrialContext) throws -> [any TrainingCallback<Float>] = { _ in [] }
    ) -> TrialRunner {
        { [self] context, report in
            let run = try self.run(for: context.configuration, budget: context.budget, seed: context.seed)
            let extra = try callbacks(context)
            var stopped = false
            let history = try withoutActuallyEscaping(report) { report in
                let reporter = ClosureCallback<Float>(onEpochEnd: { _, record in
                    if report(record.epoch - 1, Self.metrics(of: record)) { return .proceed }
                    stopped = true
                    return .stop(reason: "stopped by the search strategy")
                })
                return try run.fit(callbacks: extra + [reporter])
            }
            var metrics: [String: Double] = [:]
            if !stopped {
                let measured = try run.evaluate()
                metrics["train_cost"] = measured.train.cost
                metrics["train_accuracy"] = measured.train.accuracy
                metrics["dev_cost"] = measured.dev?.cost
                metrics["dev_accuracy"] = measured.dev?.accuracy
            }
            return TrialResult(metrics: metrics, epochs: history.epochs.count)
        }
    }

    /// The metrics of one epoch under the names trials report.
    public static func metrics(of record: EpochRecord) -> [String: Double] {
        var metrics = ["train_cost": record.trainCost]
        metrics["train_accuracy"] = record.trainAccuracy
        metrics["dev_cost"] = record.devCost
        metrics["dev_accuracy"] = record.devAccuracy
        return metrics
    }

    private func data(for recipe: TrainingRecipe) throws -> DatasetSplits<Float> {
        let key = [recipe.data.text, recipe.targetColumn ?? "", recipe.delimiter, "\(recipe.hasHeader)", "\(recipe.regression)",
                   recipe.split?.description ?? "", "\(recipe.stratify)", "\(recipe.seed)"].joined(separator: "\u{1F}")
        if let cached = lock.withLock({ cache[key] }) { return cached }
        let loaded = try TrainingRun.loadData(for: recipe)
        lock.withLock { cache[key] = loaded }
        return loaded
    }
}
