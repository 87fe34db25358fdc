import ArgumentParser
import Backprop
import Foundation

/// `backprop lr-find`: Nielsen's learning-rate threshold for a training configuration.
struct LearningRateFinderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lr-find",
        abstract: "Find the learning rate where the training cost stops falling at once, and recommend about half of it.",
        discussion: """
            Trains briefly (--probe-epochs, constant schedule, no early stopping) at learning rates spaced on a log scale, each \
            from the same initial weights, and compares the training cost after the short run with the cost before it. The \
            threshold is the first rate whose cost does not fall (or diverges); the recommendation is half of it.

            Examples:
              backprop lr-find
              backprop lr-find --config run.yaml --optimizer sgd --from 0.001 --to 100 --html lr.html
            """)

    @Option(help: "The smallest learning rate tried.")
    var from: Double = 1e-5

    @Option(help: "The largest learning rate tried.")
    var to: Double = 10

    @Option(name: .customLong("per-decade"), help: "Rates tried per factor of ten.")
    var perDecade: Int = 3

    @Option(name: .customLong("probe-epochs"), help: "Epochs of each short run (the recipe's --epochs is not used).")
    var probeEpochs: Int = 3

    @OptionGroup var recipeOptions: RecipeOptions

    @Option(help: "Seed of every random choice (the same initial weights for every rate; default: \(TrainingRecipe.defaultSeed)).")
    var seed: UInt64?

    @Option(help: ArgumentHelp("Write an HTML page plotting the cost against the learning rate.", valueName: "file"))
    var html: String?

    @Flag(help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        guard from > 0, from.isFinite, to.isFinite, to >= from else { throw ValidationError("--from and --to need 0 < from ≤ to, got \(from) and \(to)") }
        guard perDecade >= 1 else { throw ValidationError("--per-decade must be at least 1, got \(perDecade)") }
        guard probeEpochs >= 1 else { throw ValidationError("--probe-epochs must be at least 1, got \(probeEpochs)") }
    }

    func run() throws {
        for line in try find(output: { print($0) }) { print(line) }
    }

    /// Scans the rates, streaming one line per rate to `output`, writes the HTML page and
    /// returns the closing lines.
    func find(output: @escaping (String) -> Void) throws -> [String] {
        try reportingFailures {
            let recipe = try recipeOptions.recipe(seed: seed)
            let say: (String) -> Void = json ? { _ in } : output
            say("Learning rates \(AxisLabel.short(from)) … \(AxisLabel.short(to)), \(probeEpochs) epoch\(probeEpochs == 1 ? "" : "s") each, \(recipe.optimizer), batch \(recipe.batchSize), seed \(recipe.seed)")
            say(Self.header.joined(separator: "  "))
            let result = try LearningRateFinder.scan(recipe: recipe, rates: LearningRateFinder.rates(from: from, to: to, perDecade: perDecade),
                                                     epochs: probeEpochs) { probe in say(Self.row(probe)) }
            var lines: [String] = []
            if json {
                lines.append(try jsonText(result))
            } else if let threshold = result.threshold {
                if threshold == result.probes.first?.rate {
                    lines.append("The cost does not fall even at \(AxisLabel.short(threshold)); try a smaller --from.")
                }
                lines.append("Threshold ≈ \(String(format: "%.3g", threshold)): the first rate whose training cost did not fall. Recommended learning rate ≈ \(String(format: "%.3g", result.recommended)).")
            } else {
                lines.append("The cost fell at every rate up to \(AxisLabel.short(to)); the threshold lies higher (try a larger --to).")
            }
            if let html {
                try writeText(Self.page(result, recipe: recipe, epochs: probeEpochs), to: html)
                if !json { lines.append("Wrote \(html)") }
            }
            return lines
        }
    }

    static let header = ["rate      ", "start cost", "end cost  ", "change"]

    static func row(_ probe: LearningRateFinder.Probe) -> String {
        let verdict = probe.diverged ? "diverged" : probe.falls ? "falls" : "does not fall"
        return [String(format: "%-10.3g", probe.rate), String(format: "%-10.4f", probe.initialCost),
                probe.finalCost.isFinite ? String(format: "%-10.4f", probe.finalCost) : "nan       ", verdict].joined(separator: "  ")
    }

    static func page(_ result: LearningRateFinder.Result, recipe: TrainingRecipe, epochs: Int) -> String {
        var page = HTMLReport(title: "Learning-rate threshold")
        page.summary = [("data", recipe.data.text), ("optimiser", recipe.optimizer.text), ("batch size", "\(recipe.batchSize)"),
                        ("epochs per rate", "\(epochs)"), ("threshold", result.threshold.map { String(format: "%.3g", $0) } ?? "above the range"),
                        ("recommended", String(format: "%.3g", result.recommended))]
        var chart = ScatterChart(title: "Training cost after \(epochs) epoch\(epochs == 1 ? "" : "s") against the learning rate",
                                 xLabel: "learning rate α", yLabel: "training cost", xLogarithmic: true, yLogarithmic: true)
        chart.width = 640
        chart.height = 360
        chart.connectsPoints = true
        chart.points = result.probes.map { ($0.rate, $0.finalCost) }
        if let threshold = result.threshold { chart.marker = (threshold, "threshold") }
        if let start = result.probes.first?.initialCost { chart.reference = (start, "cost before training") }
        page.addSection("Cost against learning rate",
                        text: "Cost before training: \(String(format: "%.4f", result.probes.first?.initialCost ?? .nan)). Diverged rates (NaN or infinite cost) are left out of the plot.",
                        charts: [chart.svg()])
        page.addTable("Probes", header: ["rate", "start cost", "end cost", "change"], rows: result.probes.map {
            [String(format: "%.3g", $0.rate), String(format: "%.4f", $0.initialCost), String(format: "%.4f", $0.finalCost),
             $0.diverged ? "diverged" : $0.falls ? "falls" : "does not fall"]
        })
        return page.html()
    }
}
