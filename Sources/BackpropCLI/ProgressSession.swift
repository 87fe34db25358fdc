import Backprop
import Foundation

/// What `backprop train` adds around the fit: the live progress bar and the monitor during
/// training; the bias/variance verdict and the run folder's files (`history.csv`,
/// `monitor.json`, `report.html`) after it.
final class ProgressSession {
    /// The per-epoch probe of activations, weights and gradients.
    let monitor: TrainingMonitor<Float>
    /// The bar, only on a terminal and without `--json`.
    let bar: ProgressBar?
    /// The run folder.
    let directory: URL
    /// The baseline error of the verdict.
    let baselineError: Double
    private let run: TrainingRun
    private let quiet: Bool

    /// Prepares the session for `run` as `command` asks, writing into `directory`.
    init(command: TrainCommand, run: TrainingRun, directory: URL) throws {
        self.run = run
        quiet = command.json
        monitor = TrainingMonitor(probe: run.splits.train, probeSize: 256)
        bar = !command.json && ProgressBar.isTerminal ? ProgressBar(epochs: run.recipe.epochs) : nil
        baselineError = try command.baselineError()
        if run.splits.train.isClassification, baselineError >= 1 {
            throw CommandFailure(message: "--baseline-error \(baselineError) is a classifier's error rate and must be below 1 (0.05 is 5 %)")
        }
        self.directory = directory
    }

    /// The callbacks to run before the per-epoch line (the bar erases itself first).
    var callbacks: [any TrainingCallback<Float>] {
        [monitor] + (bar.map { [$0] } ?? [])
    }

    // MARK: - After training

    /// A cost and, for classifiers, an accuracy.
    typealias Measured = (cost: Double, accuracy: Double?)

    /// The bias/variance diagnosis of the evaluation: error = 1 − accuracy for classifiers,
    /// the cost for regression (tolerance 10 % of the larger cost); against the dev set, or
    /// the test set when there is no dev set; `nil` with neither.
    static func diagnosis(train: Measured, dev: Measured?, test: Measured?, baselineError: Double) -> BiasVarianceDiagnosis? {
        guard let held = dev ?? test else { return nil }
        var diagnosis: BiasVarianceDiagnosis
        if let trainAccuracy = train.accuracy, let heldAccuracy = held.accuracy {
            diagnosis = BiasVarianceDiagnosis(trainError: 1 - trainAccuracy, devError: 1 - heldAccuracy, baselineError: baselineError)
        } else {
            diagnosis = BiasVarianceDiagnosis(trainError: train.cost, devError: held.cost, baselineError: baselineError,
                                              tolerance: 0.1 * max(train.cost, held.cost), isRate: false)
        }
        diagnosis.heldOutName = dev == nil ? "test" : "dev"
        return diagnosis
    }

    /// Prints the verdict (unless `--json`), writes the run folder's files and returns
    /// `summary` with the verdict filled in.
    func finish(history: TrainingHistory, evaluation: (train: Evaluation, dev: Evaluation?, test: Evaluation?),
                summary: TrainSummary, output: (String) -> Void) throws -> TrainSummary {
        var summary = summary
        let diagnosis = Self.diagnosis(
            train: (evaluation.train.cost, evaluation.train.accuracy), dev: evaluation.dev.map { ($0.cost, $0.accuracy) },
            test: evaluation.test.map { ($0.cost, $0.accuracy) }, baselineError: baselineError)
        summary.verdict = diagnosis?.verdict.rawValue
        summary.nextSteps = diagnosis?.nextSteps
        summary.runDirectory = directory.path

        var report = RunReport(title: "Training run: \(run.recipe.data)", history: history)
        report.monitor = monitor.records
        report.diagnosis = diagnosis
        report.summary = tableRows(summary)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let train = run.splits.train
        report.decisionBoundary = try DecisionBoundaryChart.make(network: run.network, loss: run.trainer.loss, pipeline: run.pipeline, data: train)
        do {
            try report.write(to: directory)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try AtomicFile.write(encoder.encode(monitor.records), to: directory.appendingPathComponent("monitor.json"))
        } catch {
            throw CommandFailure(message: "Cannot write the report into \(directory.path): \(error.localizedDescription)")
        }
        if !quiet {
            if let diagnosis {
                output("Verdict: \(diagnosis.summary)")
            } else {
                output("Verdict: none (no dev or test set to compare the training error with)")
            }
            output("Report: \(directory.appendingPathComponent("report.html").path)")
        }
        return summary
    }

    private func tableRows(_ summary: TrainSummary) -> [(label: String, value: String)] {
        let recipe = run.recipe
        func number(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "–" }
        var rows: [(label: String, value: String)] = [
            ("data", recipe.data.text),
            ("examples (train / dev / test)", "\(run.splits.train.count) / \(run.splits.dev?.count ?? 0) / \(run.splits.test?.count ?? 0)"),
            ("preprocessing", run.pipeline.isEmpty ? "none" : run.pipeline.description),
            ("network", summary.network),
            ("parameters", "\(run.network.parameterCount)"),
            ("loss", recipe.labelSmoothing.map { "\(recipe.lossName), label smoothing ε = \($0)" } ?? recipe.lossName),
            ("optimiser", run.trainer.updateDescription),
            ("learning rate α", "\(recipe.learningRate) (\(recipe.schedule))"),
            ("batch size", "\(recipe.batchSize)"),
            ("epochs", "\(summary.epochs) of \(recipe.epochs), \(summary.updates) updates"),
            ("L2 λ / L1 λ", "\(recipe.l2) / \(recipe.l1)"),
            ("seed", "\(recipe.seed)"),
            ("train accuracy / cost", "\(number(summary.trainAccuracy)) / \(number(summary.trainCost))"),
        ]
        if summary.devCost != nil { rows.append(("dev accuracy / cost", "\(number(summary.devAccuracy)) / \(number(summary.devCost))")) }
        if summary.testCost != nil { rows.append(("test accuracy / cost", "\(number(summary.testAccuracy)) / \(number(summary.testCost))")) }
        rows.append(("training time", String(format: "%.2f s", summary.seconds)))
        if let reason = summary.stopReason { rows.append(("stopped", reason)) }
        if let verdict = summary.verdict { rows.append(("bias/variance verdict", verdict)) }
        return rows
    }
}
