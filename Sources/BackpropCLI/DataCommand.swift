import ArgumentParser
import Backprop
import Foundation

/// `backprop data`: look at data before training on it.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Inspect, fetch and list data sets.",
        subcommands: [DataDescribeCommand.self, DataFetchCommand.self, DataListCommand.self])
}

/// `backprop data describe --data …`: counts, class histogram and feature statistics.
struct DataDescribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "Print the split counts, the class histogram and per-feature statistics of a data set.")

    @OptionGroup var dataOptions: DataOptions

    @Option(help: "The seed of synthetic sets and of the split.")
    var seed: UInt64 = TrainingRecipe.defaultSeed

    @Option(name: .customLong("feature-lines"), help: "List features one per line up to this many; above it, print a summary.")
    var featureLines: Int = 20

    @Flag(help: "Print the description as JSON.")
    var json = false

    func run() throws {
        print(try report())
    }

    /// The JSON form.
    struct Description: Codable {
        var source: String
        var preprocessing: String
        var augmentation: String?
        var train: DatasetSummary
        var dev: DatasetSummary?
        var test: DatasetSummary?
    }

    /// The text (or JSON) that `run` prints.
    func report() throws -> String {
        let (splits, pipeline) = try dataOptions.load(seed: seed, as: Double.self)
        let description = Description(
            source: try dataOptions.source().description, preprocessing: pipeline.description,
            augmentation: try dataOptions.augmentation()?.description,
            train: DatasetSummary(splits.train), dev: splits.dev.map(DatasetSummary.init), test: splits.test.map(DatasetSummary.init))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            return String(decoding: try encoder.encode(description), as: UTF8.self)
        }
        return text(description)
    }

    private func text(_ description: Description) -> String {
        let parts: [(String, DatasetSummary)] = [("train", description.train)]
            + (description.dev.map { [("dev", $0)] } ?? []) + (description.test.map { [("test", $0)] } ?? [])
        let train = description.train
        var lines: [String] = []
        lines.append("source: \(description.source)")
        let total = parts.reduce(0) { $0 + $1.1.count }
        lines.append("examples: \(total) (" + parts.map { "\($0.0) \($0.1.count)" }.joined(separator: ", ") + ")")
        let task = train.classHistogram != nil ? "classification, \(train.outputCount) classes" : "regression, \(train.outputCount) target column\(train.outputCount == 1 ? "" : "s")"
        lines.append("features: \(train.featureCount); \(task)")
        lines.append("preprocessing: \(description.preprocessing) (fitted on the training split)")
        if let augmentation = description.augmentation { lines.append("augmentation: \(augmentation)") }

        if let names = train.classNames, train.classHistogram != nil {
            lines.append("")
            lines.append("class histogram:")
            let width = max(5, names.map(\.count).max() ?? 0)
            lines.append("  " + pad("class", width) + parts.map { padLeft($0.0, 8) }.joined())
            for (index, name) in names.enumerated() {
                lines.append("  " + pad(name, width) + parts.map { padLeft("\($0.1.classHistogram?[index] ?? 0)", 8) }.joined())
            }
        }

        lines.append("")
        let features = train.features
        if features.count <= featureLines {
            lines.append("feature statistics (training split):")
            lines.append("  " + pad("feature", 8) + ["mean", "std", "min", "max"].map { padLeft($0, 12) }.joined())
            for (index, statistics) in features.enumerated() {
                let values = [statistics.mean, statistics.standardDeviation, statistics.minimum, statistics.maximum]
                lines.append("  " + pad("\(index)", 8) + values.map { padLeft(format($0), 12) }.joined())
            }
        } else {
            lines.append("feature statistics (training split, \(features.count) features summarised):")
            func range(_ name: String, _ values: [Double]) -> String {
                "  \(pad(name, 8)) from \(format(values.min() ?? 0)) to \(format(values.max() ?? 0)), average \(format(values.reduce(0, +) / Double(max(values.count, 1))))"
            }
            lines.append(range("mean", features.map(\.mean)))
            lines.append(range("std", features.map(\.standardDeviation)))
            lines.append("  \(pad("values", 8)) from \(format(features.map(\.minimum).min() ?? 0)) to \(format(features.map(\.maximum).max() ?? 0))")
            lines.append("  \(pad("constant", 8)) \(train.constantFeatureCount) of \(features.count) features")
        }
        return lines.joined(separator: "\n")
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    private func padLeft(_ text: String, _ width: Int) -> String {
        text.count >= width ? " " + text : String(repeating: " ", count: width - text.count) + text
    }

    private func format(_ value: Double) -> String {
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e5 || magnitude < 1e-3 { return String(format: "%.3e", value) }
        return String(format: "%.4f", value)
    }
}
