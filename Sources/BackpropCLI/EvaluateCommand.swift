import ArgumentParser
import Backprop
import Foundation

/// `backprop evaluate DIR`: the metrics of a saved model or ensemble on labelled data.
///
/// Without `--data` it reloads the data recorded in the model's recipe, splits it as
/// training did and evaluates the test split (the dev split when there is no test split),
/// so the accuracy equals the one `train` reported. With `--data` the given data are split
/// with the model's seed. The model's saved preprocessing is always applied. An ensemble
/// folder (`ensemble.json`) is measured on its averaged probabilities, with the data and
/// seed of its first member's recipe; each member applies its own preprocessing.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Measure a saved model: accuracy, per-class precision/recall/F1, confusion matrix, log-loss (regression: MSE, MAE, R²).",
        discussion: """
            Examples:
              backprop evaluate runs/20261122-101500
              backprop evaluate runs/20261122-101500 --part train --json
              backprop evaluate model-dir --data csv:new.csv --part all
              backprop evaluate ensemble-dir
            """)

    /// Which examples to evaluate.
    enum Part: String, ExpressibleByArgument, CaseIterable {
        case train, dev, test, all
    }

    @Argument(help: ArgumentHelp("A model folder written by backprop train, or an ensemble folder written by backprop ensemble.", valueName: "dir"))
    var model: String

    @OptionGroup(title: "Data (default: the data recorded in the model)") var dataOptions: DataOptions

    @Option(help: "The part of the data to evaluate: train, dev, test or all (default: test, or dev when there is no test split).")
    var part: Part?

    @Flag(help: "Print the metrics as JSON.")
    var json = false

    func validate() throws {
        if try !dataOptions.preprocessingMethods().isEmpty || dataOptions.augment != nil {
            throw ValidationError("evaluate applies the model's saved preprocessing; drop the preprocessing and augmentation flags")
        }
    }

    func run() throws {
        try reportingFailures { print(try report()) }
    }

    /// The JSON form.
    struct Report: Codable {
        var model: String
        var data: String
        var part: String
        var evaluation: ModelEvaluation
    }

    /// Loads the model and the data and measures.
    func measure() throws -> Report {
        let loaded = try LoadedModel.load(from: URL(fileURLWithPath: model))
        let recipe = loaded.recipe
        let splits: DatasetSplits<Float>
        let source: String
        if dataOptions.data == nil {
            splits = try TrainingRun.loadData(for: recipe)
            source = recipe.data.text
        } else {
            var random = RandomGenerator(seed: recipe.seed)
            splits = try dataOptions.source().load(options: dataOptions.loadingOptions(seed: random.next()))
            source = try dataOptions.source().description
        }
        let chosen = part ?? (splits.test != nil ? .test : splits.dev != nil ? .dev : .train)
        let data: Dataset<Float>
        switch chosen {
        case .train: data = splits.train
        case .dev: data = try splits.dev ?? { throw CommandFailure(message: "\(source) has no dev split") }()
        case .test: data = try splits.test ?? { throw CommandFailure(message: "\(source) has no test split") }()
        case .all: data = try Self.concatenate([splits.train] + [splits.dev, splits.test].compactMap { $0 })
        }
        return Report(model: model, data: source, part: chosen.rawValue, evaluation: try loaded.evaluate(data))
    }

    /// The rows of `parts` one after the other.
    static func concatenate(_ parts: [Dataset<Float>]) throws -> Dataset<Float> {
        let first = parts[0]
        let rows = parts.reduce(0) { $0 + $1.count }
        let features = Matrix<Float>(rows: rows, columns: first.featureCount)
        let targets = Matrix<Float>(rows: rows, columns: first.outputCount)
        var row = 0
        for part in parts {
            features.rowPointer(row).update(from: part.features.base, count: part.features.count)
            targets.rowPointer(row).update(from: part.targets.base, count: part.targets.count)
            row += part.count
        }
        var result = try Dataset(features: features, targets: targets)
        if first.isClassification {
            result.labels = parts.flatMap { $0.labels ?? [] }
            result.classNames = first.classNames
        }
        return result
    }

    /// The text (or JSON) that `run` prints.
    func report() throws -> String {
        let report = try measure()
        if json { return try jsonText(report) }
        let evaluation = report.evaluation
        var lines = ["model: \(report.model)", "data: \(report.data), \(report.part) (\(evaluation.count) examples)"]
        if let metrics = evaluation.classification {
            lines.append("accuracy " + String(format: "%.4f", metrics.accuracy) + "  log-loss " + String(format: "%.4f", metrics.logLoss)
                         + "  macro F1 " + String(format: "%.4f", metrics.macroF1) + "  cost " + String(format: "%.4f", evaluation.cost))
            let width = max(5, metrics.classNames.map(\.count).max() ?? 0)
            func pad(_ text: String, _ size: Int) -> String { String(repeating: " ", count: max(0, size - text.count)) + text }
            lines.append("")
            lines.append(pad("class", width) + pad("precision", 11) + pad("recall", 9) + pad("F1", 9) + pad("support", 9))
            for (index, name) in metrics.classNames.enumerated() {
                lines.append(pad(name, width) + pad(String(format: "%.4f", metrics.precision[index]), 11)
                             + pad(String(format: "%.4f", metrics.recall[index]), 9) + pad(String(format: "%.4f", metrics.f1[index]), 9)
                             + pad("\(metrics.support[index])", 9))
            }
            lines.append("")
            lines.append("confusion matrix (rows: true class, columns: predicted):")
            let cell = max(width, String(metrics.confusion.flatMap { $0 }.max() ?? 0).count) + 2
            lines.append(pad("", width) + metrics.classNames.map { pad($0, cell) }.joined())
            for (index, row) in metrics.confusion.enumerated() {
                lines.append(pad(metrics.classNames[index], width) + row.map { pad("\($0)", cell) }.joined())
            }
        }
        if let metrics = evaluation.regression {
            lines.append("MSE " + String(format: "%.6g", metrics.mse) + "  MAE " + String(format: "%.6g", metrics.mae)
                         + "  R² " + String(format: "%.4f", metrics.r2))
        }
        return lines.joined(separator: "\n")
    }
}
