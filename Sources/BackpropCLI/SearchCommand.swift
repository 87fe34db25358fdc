import ArgumentParser
import Backprop
import Foundation

/// `backprop search`: hyper-parameter search over the `search:` block of a config file,
/// recorded in an SQLite study file that can be resumed and shared by several processes.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search hyper-parameters declared in a config file's search: block; trials live in a study file.",
        discussion: """
            Keys of the search: block mirror the train flags (plus hidden-units and hidden-layers); every trial trains the \
            config's recipe with the sampled values on the same data split, its weights seeded per trial. Rerunning with a \
            larger --trials adds trials to the same study; stopped searches resume where they were.

            Example space.yaml:
              data: moons
              layers: [2, 16, 2]
              epochs: 30
              search:
                lr: {log-uniform: [0.0001, 1.0]}
                batch-size: [16, 64]

              backprop search --config space.yaml --strategy random --trials 6 --study study.db --seed 4
              backprop search --config space.yaml --strategy random --trials 8 --study study.db --seed 4 --jobs 2
              backprop search show study.db
            """,
        subcommands: [SearchShowCommand.self, SearchWorkerCommand.self])

    @OptionGroup var options: SearchOptions
    @OptionGroup var recipeOptions: RecipeOptions

    func run() throws {
        try options.search(recipeOptions, spawnWorkers: true) { print($0) }
    }
}

/// The hidden worker: what `--jobs N` launches N − 1 times next to the main process.
struct SearchWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Evaluate trials of a study (launched by search --jobs).", shouldDisplay: false)

    @OptionGroup var options: SearchOptions
    @OptionGroup var recipeOptions: RecipeOptions

    func run() throws {
        try options.search(recipeOptions, spawnWorkers: false) { _ in }
    }
}

/// `--study-name`, shared by `search` and `search show` (one group, so that the value reaches
/// the subcommand wherever it stands on the command line).
struct StudyNameOption: ParsableArguments {
    @Option(name: .customLong("study-name"), help: ArgumentHelp("The study's name in a PostgreSQL database (search: default the config file's name without extension).", valueName: "name"))
    var studyName: String?
}

/// The search options of `search` and of its workers (the training settings are a separate
/// ``RecipeOptions`` group of each command).
struct SearchOptions: ParsableArguments {
    /// The config-file keys `search` reads itself: the study and its name.
    static let studyKeys: Set<String> = ["study", "study-name"]

    enum ObjectiveName: String, CaseIterable, ExpressibleByArgument {
        case devAccuracy = "dev-accuracy"
        case devCost = "dev-cost"

        var objective: Objective { RecipeTrials.objectives[rawValue]! }
    }

    @Option(help: ArgumentHelp("The strategy: \(SearchStrategies.names.joined(separator: ", ")).", valueName: "name"))
    var strategy: String = "random"

    @Option(help: "The total number of trials in the study (rerun with a larger number to add trials; grid: at most the grid size).")
    var trials: Int = 10

    @Option(help: ArgumentHelp("The study: an SQLite file (a path or sqlite:PATH, created if missing) or a PostgreSQL database shared by workers on many machines, postgresql://USER@HOST[:PORT]/DATABASE (password from PGPASSWORD or ~/.pgpass); required.", valueName: "study"))
    var study: String?

    @OptionGroup var name: StudyNameOption

    @Option(help: "The study seed: proposals and each trial's weight seed derive from it.")
    var seed: UInt64 = TrainingRecipe.defaultSeed

    @Option(help: "Worker processes evaluating trials at once.")
    var jobs: Int = 1

    @Option(help: "What to optimise: dev-accuracy (maximise) or dev-cost (minimise).")
    var objective: ObjectiveName = .devAccuracy

    @Option(help: "Hyperband / successive halving: the reduction factor η.")
    var eta: Int = 3

    @Option(name: .customLong("min-epochs"), help: "Hyperband / successive halving: the smallest epoch budget (default: epochs/27, at least 1).")
    var minimumEpochs: Int?

    @Option(help: ArgumentHelp("Write TensorBoard event files of every trial, with its hyper-parameters, into DIR/trial-N (N as the trial lines print it).", valueName: "dir"))
    var tensorboard: String?

    func validate() throws {
        guard trials >= 1 else { throw ValidationError("--trials must be at least 1, got \(trials)") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
        guard eta >= 2 else { throw ValidationError("--eta must be at least 2, got \(eta)") }
        if let minimumEpochs, minimumEpochs < 1 { throw ValidationError("--min-epochs must be at least 1, got \(minimumEpochs)") }
        guard SearchStrategies.names.contains(strategy) else {
            throw ValidationError("--strategy: \(SearchError.invalidSetting("unknown strategy '\(strategy)' (one of \(SearchStrategies.names.joined(separator: ", ")))"))")
        }
    }

    /// Prepares the study, evaluates trials (with `jobs − 1` extra worker processes when
    /// `spawnWorkers`), then prints the leaderboard to `output`.
    func search(_ recipeOptions: RecipeOptions, spawnWorkers: Bool, output: @escaping @Sendable (String) -> Void) throws {
        try reportingFailures {
            // A config file may name the study (`study:`, `study-name:`); the flags win.
            let fileAndFlags = try recipeOptions.configuration()
            let configuration = fileAndFlags.removingEntries(Self.studyKeys)
            // `--study` is optional to the parser so that `search show` needs none, and checked here.
            guard let study = try study ?? fileAndFlags.string("study") else {
                throw ValidationError("Missing expected argument '--study <study>' (or a study: key in the config file)")
            }
            guard let space = try configuration.searchSpace() else {
                throw CommandFailure(message: "\(recipeOptions.config ?? "the configuration") has no search: block to search over")
            }
            let trialsMaker = try RecipeTrials(base: configuration)
            try trialsMaker.validate(space)
            let settings = SearchStrategies.Settings(budget: trialsMaker.baseRecipe.epochs, minimumBudget: minimumEpochs, eta: eta)
            let searchStrategy = try SearchStrategies.make(strategy, settings: settings)
            let name = try name.studyName ?? fileAndFlags.string("study-name")
                ?? recipeOptions.config.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }
            let store = try StudyStores.open(study, studyName: name)
            try store.prepare(StudyDescription(space: space, strategy: searchStrategy.name, seed: seed,
                                               objective: objective.objective, budget: trialsMaker.baseRecipe.epochs))
            if spawnWorkers {
                let before = try store.trials().filter { $0.status.isFinished }.count
                output("Study \(store.location): \(searchStrategy.name) search over \(space.parameters.map(\.name).joined(separator: ", ")), \(before) of \(trials) trials done, objective \(objective.rawValue)")
            }
            let workers = spawnWorkers && jobs > 1 ? try launchWorkers(jobs - 1) : []
            let metric = objective.objective.metric
            let inner = trialsMaker.runner(callbacks: trialCallbacks)
            let runner: TrialRunner = { context, report in
                let start = Date()
                let result = try inner(context, report)
                let values = zip(context.configuration.names, context.configuration.values).map { "\($0)=\($1)" }.joined(separator: " ")
                let value = result.metrics[metric].map { fixed($0) } ?? "stopped early"
                output("trial \(context.number): \(values)  \(metric) \(value)  (\(result.epochs)/\(context.budget) epochs, \(fixed(Date().timeIntervalSince(start), 1)) s)")
                return result
            }
            let driver = StudyDriver(store: store, strategy: searchStrategy)
            _ = try driver.run(totalTrials: trials, runner: runner)
            for worker in workers { worker.waitUntilExit() }
            if let failed = workers.first(where: { $0.terminationStatus != 0 }) {
                output("A worker process exited with status \(failed.terminationStatus).")
            }
            if spawnWorkers {
                let description = try store.study()!
                for line in SearchShowCommand.leaderboardLines(try store.trials(), study: description, top: 10) { output(line) }
            }
        }
    }

    /// Starts `count` worker processes of this executable on the same study and options.
    private func launchWorkers(_ count: Int) throws -> [Process] {
        let arguments = CommandLine.arguments
        guard let index = arguments.firstIndex(of: "search") else {
            throw CommandFailure(message: "--jobs needs the command line of `backprop search` to start workers")
        }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let path = FileManager.default.isExecutableFile(atPath: executable.path) ? executable : URL(fileURLWithPath: arguments[0])
        return try (0..<count).map { _ in
            let process = Process()
            process.executableURL = path
            process.arguments = ["search", "worker"] + arguments[(index + 1)...]
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            return process
        }
    }
}
