import ArgumentParser
import Backprop
import Foundation

/// `backprop search show STUDY`: the leaderboard of a study and an HTML report, or every trial as JSON.
struct SearchShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a study's leaderboard and write an HTML report (objective vs each hyper-parameter, the best trial's curves, importance).")

    @Argument(help: ArgumentHelp("The study: an SQLite file, or postgresql://USER@HOST[:PORT]/DATABASE with --study-name.", valueName: "study"))
    var study: String

    @OptionGroup var name: StudyNameOption

    @Flag(help: "Print every trial (number, status, parameters, budget, objective, worker, attempts) as one JSON object instead of the leaderboard; no report is written.")
    var json = false

    @Option(help: ArgumentHelp("Where to write the HTML report (default: the study file with .html).", valueName: "file"))
    var html: String?

    @Option(help: "Rows of the leaderboard to print.")
    var top: Int = 10

    func validate() throws {
        guard top >= 1 else { throw ValidationError("--top must be at least 1, got \(top)") }
    }

    /// The HTML path in force: beside an SQLite file, or `NAME.html` for a PostgreSQL study.
    var reportPath: String {
        if let html { return html }
        if StudyStores.isPostgres(study) { return "\(name.studyName ?? "study").html" }
        return URL(fileURLWithPath: StudyStores.sqlitePath(study)).deletingPathExtension().path + ".html"
    }

    func run() throws {
        for line in try show() { print(line) }
    }

    /// Reads the study, writes the report and returns the lines to print.
    func show() throws -> [String] {
        try reportingFailures {
            if !StudyStores.isPostgres(study) && !FileManager.default.fileExists(atPath: StudyStores.sqlitePath(study)) {
                throw CommandFailure(message: "\(study): no such study file")
            }
            let store = try StudyStores.open(study, studyName: name.studyName)
            guard let description = try store.study() else { throw CommandFailure(message: "\(store.location): no study recorded") }
            let trials = try store.trials()
            if json { return [try jsonText(StudyJSON(location: store.location, study: description, trials: trials))] }
            var lines = Self.leaderboardLines(trials, study: description, top: top)
            let importance = StudyAnalysis.importance(trials, space: description.space)
            if !importance.isEmpty {
                lines.append("Importance: " + importance.map { "\($0.name) \(fixed($0.score, 2))" }.joined(separator: ", "))
            }
            try writeText(try Self.report(store: store, study: description, trials: trials, importance: importance), to: reportPath)
            lines.append("Wrote \(reportPath)")
            return lines
        }
    }

    // MARK: - JSON

    /// What `--json` prints: the study and every trial.
    struct StudyJSON: Encodable {
        struct Trial: Encodable {
            var number: Int
            var status: String
            var parameters: [String: ParameterValue]
            var budget: Int
            var bracket: Int
            var rung: Int
            var objective: Double?
            var seconds: Double?
            var worker: String?
            var attempts: Int
        }

        var location: String
        var strategy: String
        var seed: UInt64
        var objective: String
        var direction: String
        var epochs: Int
        var trials: [Trial]

        init(location: String, study: StudyDescription, trials: [TrialRecord]) {
            self.location = location
            strategy = study.strategy
            seed = study.seed
            objective = study.objective.metric
            direction = study.objective.direction.rawValue
            epochs = study.budget
            self.trials = trials.map { trial in
                Trial(number: trial.number, status: trial.status.rawValue,
                      parameters: Dictionary(uniqueKeysWithValues: zip(trial.configuration.names, trial.configuration.values.map(ParameterValue.init))),
                      budget: trial.budget, bracket: trial.bracket, rung: trial.rung, objective: trial.objective.flatMap { $0.isFinite ? $0 : nil },
                      seconds: trial.duration, worker: trial.worker, attempts: trial.attempts)
            }
        }
    }

    /// A hyper-parameter value as a JSON number, boolean or string.
    struct ParameterValue: Encodable {
        var value: ConfigValue

        init(_ value: ConfigValue) { self.value = value }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch value {
            case .int(let number): try container.encode(number)
            case .double(let number) where number.isFinite: try container.encode(number)
            case .bool(let flag): try container.encode(flag)
            default: try container.encode(value.description)
            }
        }
    }

    // MARK: - Leaderboard

    /// A status count line and the best `top` completed trials.
    static func leaderboardLines(_ trials: [TrialRecord], study: StudyDescription, top: Int) -> [String] {
        let counts = TrialStatus.allCases.compactMap { status -> String? in
            let count = trials.filter { $0.status == status }.count
            return count > 0 ? "\(count) \(status.rawValue)" : nil
        }
        let lines = ["\(study.strategy) search, seed \(study.seed), \(study.objective.direction.rawValue) \(study.objective.metric): \(trials.count) trials (\(counts.joined(separator: ", ")))"]
        let board = StudyAnalysis.leaderboard(trials, objective: study.objective)
        guard !board.isEmpty else { return lines + ["No completed trial yet."] }
        let names = study.space.parameters.map(\.name)
        var rows = [["rank", "trial", study.objective.metric, "epochs", "seconds"] + names]
        for entry in board.prefix(top) {
            let trial = entry.trial
            rows.append(["\(entry.rank)", "\(trial.number)", fixed(trial.objective), "\(trial.budget)", fixed(trial.duration, 1)]
                        + names.map { trial.configuration[$0]?.description ?? "—" })
        }
        return lines + tableLines(rows)
    }

    // MARK: - HTML

    static func report(store: any StudyStore, study: StudyDescription, trials: [TrialRecord],
                       importance: [StudyAnalysis.Importance]) throws -> String {
        let metric = study.objective.metric
        var page = HTMLReport(title: "Hyper-parameter search: \(study.strategy)")
        let board = StudyAnalysis.leaderboard(trials, objective: study.objective)
        page.summary = [
            ("strategy", study.strategy), ("seed", "\(study.seed)"),
            ("objective", "\(study.objective.direction.rawValue) \(metric)"), ("epochs per full trial", "\(study.budget)"),
            ("trials", TrialStatus.allCases.map { status in "\(trials.filter { $0.status == status }.count) \(status.rawValue)" }.joined(separator: ", ")),
        ]
        if let best = board.first?.trial {
            page.summary.append(("best", "trial \(best.number): \(metric) \(fixed(best.objective))"))
        }
        let names = study.space.parameters.map(\.name)
        page.addTable("Leaderboard", header: ["rank", "trial", metric, "epochs", "seconds"] + names, rows: board.map { entry in
            ["\(entry.rank)", "\(entry.trial.number)", fixed(entry.trial.objective), "\(entry.trial.budget)", fixed(entry.trial.duration, 1)]
                + names.map { entry.trial.configuration[$0]?.description ?? "—" }
        })
        page.addTable("Importance (|Spearman ρ| or correlation ratio η with the objective)", header: ["hyper-parameter", "score"],
                      rows: importance.map { [$0.name, fixed($0.score, 3)] })
        let best = board.first?.trial
        let charts = StudyAnalysis.objectiveSeries(trials, space: study.space).map { series -> String in
            var chart = ScatterChart(title: "\(metric) vs \(series.parameter)", xLabel: series.parameter, yLabel: metric,
                                     xLogarithmic: series.logarithmic)
            chart.categories = series.categories
            chart.points = series.points.map { ($0.x, $0.objective) }
            if let best, let point = series.points.first(where: { $0.trial == best.number }) { chart.highlighted = (point.x, point.objective) }
            return chart.svg()
        }
        page.addSection("Objective against each hyper-parameter", text: "One dot per completed trial; the best is red.", charts: charts)
        if let best {
            let metrics = try store.metrics(trialID: best.id)
            let epochs = metrics.keys.sorted()
            func series(_ name: String, dashed: Bool) -> LineChart.Series? {
                let points = epochs.compactMap { epoch in metrics[epoch]?[name].map { (x: Double(epoch + 1), y: $0) } }
                return points.isEmpty ? nil : LineChart.Series(name: name.replacingOccurrences(of: "_", with: " "), points: points, isDashed: dashed)
            }
            var cost = LineChart(title: "Cost of trial \(best.number)", xLabel: "epoch", yLabel: "cost")
            cost.series = [series("train_cost", dashed: false), series("dev_cost", dashed: true)].compactMap { $0 }
            var accuracy = LineChart(title: "Accuracy of trial \(best.number)", xLabel: "epoch", yLabel: "accuracy")
            accuracy.series = [series("train_accuracy", dashed: false), series("dev_accuracy", dashed: true)].compactMap { $0 }
            let values = zip(best.configuration.names, best.configuration.values).map { "\($0) = \($1)" }.joined(separator: ", ")
            page.addSection("Best trial (\(best.number)): curves", text: values, charts: [cost.svg()] + (accuracy.series.isEmpty ? [] : [accuracy.svg()]))
        }
        return page.html()
    }
}
