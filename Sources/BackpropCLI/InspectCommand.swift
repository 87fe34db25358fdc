import ArgumentParser
import Backprop
import Foundation

/// `backprop inspect`: diagnostics of networks before training.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Diagnostics of networks before training.",
        subcommands: [InspectInitCommand.self])
}

/// `backprop inspect init`: the activation-statistics experiment (see the Initialization article).
struct InspectInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Push unit-Gaussian inputs through a deep bias-free stack and show each layer's activation mean, std and histogram.",
        discussion: """
            The classic experiment: 1000 × 500 unit-Gaussian inputs, 10 layers of 500 units, no biases.

            Examples:
              backprop inspect init --activation tanh --init xavier --depth 10 --width 500
              backprop inspect init --activation tanh --init small:std=1       # saturated
              backprop inspect init --activation relu --init he --html init.html
            """)

    @Option(help: ArgumentHelp(
        "The activation of every layer: one of \(Self.functionNames.joined(separator: ", ")); options as name:key=value.",
        valueName: "activation"), transform: HiddenActivation.argument)
    var activation: HiddenActivation = .function(.tanh)

    @Option(name: .customLong("init"), help: ArgumentHelp(
        "The weight initialisation: one of \(InitializerChoice.names.filter { $0 != "lsuv" }.joined(separator: ", ")) (auto: the activation's default); options as name:key=value.",
        valueName: "scheme"), transform: InitializerChoice.argument)
    var initializer: InitializerChoice = .auto

    /// The activations the experiment can use: the element-wise functions.
    static var functionNames: [String] { Activation.registry.filter { $0 != .softmax }.map(\.name) }

    @Option(help: "The number of layers.")
    var depth: Int = 10

    @Option(help: "Units per layer.")
    var width: Int = 500

    @Option(name: .customLong("input-width"), help: "Input features (default: the width).")
    var inputWidth: Int?

    @Option(help: "Rows of the input batch.")
    var samples: Int = 1000

    @Option(help: "Bins of each layer's histogram.")
    var bins: Int = 20

    @Option(help: "Seed of the inputs and weights.")
    var seed: UInt64 = TrainingRecipe.defaultSeed

    @Option(help: ArgumentHelp("Write an HTML page with one histogram per layer.", valueName: "file"))
    var html: String?

    @Flag(help: "Print the per-layer statistics as JSON.")
    var json = false

    func validate() throws {
        for (name, value) in [("--depth", depth), ("--width", width), ("--samples", samples), ("--bins", bins), ("--input-width", inputWidth ?? 1)] where value < 1 {
            throw ValidationError("\(name) must be at least 1, got \(value)")
        }
        _ = try function()
        _ = try scheme()
    }

    /// The activation as a parameter-free function.
    func function() throws -> Activation {
        guard case .function(let function) = activation, function != .softmax else {
            throw ValidationError("--activation \(activation.name) has parameters or mixes units; choose \(Self.functionNames.joined(separator: ", "))")
        }
        return function
    }

    /// The initialiser in force.
    func scheme() throws -> Initializer {
        guard let scheme = initializer.scheme else { return Initializer.default(for: try function()) }
        if case .lsuv = scheme { throw ValidationError("--init lsuv needs data; the experiment draws weights without data") }
        return scheme
    }

    func run() throws {
        for line in try inspect() { print(line) }
    }

    /// Runs the experiment, writes the HTML page and returns the lines to print.
    func inspect() throws -> [String] {
        try reportingFailures {
            let function = try self.function(), scheme = try self.scheme()
            let layers = try ActivationStatistics.measureWithHistograms(
                activation: function, initializer: scheme, depth: depth, width: width, inputWidth: inputWidth ?? width,
                exampleCount: samples, seed: seed, binCount: bins, scalar: Float.self)
            var lines: [String] = []
            if json {
                lines.append(try jsonText(layers.map(\.statistics)))
            } else {
                lines.append("\(function.name) layers of \(width) units, \(scheme.displayName) weights, \(samples) × \(inputWidth ?? width) unit-Gaussian inputs, no biases")
                let range = layers.first.map { "[\(AxisLabel.short($0.edges.first!)), \(AxisLabel.short($0.edges.last!))]" } ?? ""
                // Sigmoid and tanh saturate; a ReLU layer can have dead units instead.
                let extra = function == .relu ? "dead units" : "saturated"
                func percent(_ value: Double?) -> String { value.map { String(format: "%.1f%%", $0 * 100) } ?? "—" }
                var rows = [["layer", "mean", "std", "zero", extra, "histogram \(range)"]]
                for layer in layers {
                    let s = layer.statistics
                    rows.append(["\(s.layer)", String(format: "%+.5f", s.mean), String(format: "%.5f", s.standardDeviation),
                                 String(format: "%.1f%%", s.zeroFraction * 100), percent(function == .relu ? s.deadFraction : s.saturatedFraction),
                                 Self.sparkline(layer.counts)])
                }
                lines += tableLines(rows)
            }
            if let html {
                var page = HTMLReport(title: "Activations: \(function.name), \(scheme.displayName)")
                page.summary = [("activation", function.name), ("initialisation", scheme.displayName), ("depth", "\(depth)"), ("width", "\(width)"),
                                ("inputs", "\(samples) × \(inputWidth ?? width) unit Gaussian"), ("seed", "\(seed)")]
                page.addTable("Per-layer statistics", header: ["layer", "mean", "std", "zero fraction", "saturated fraction", "dead-unit fraction"], rows: layers.map {
                    let s = $0.statistics
                    return ["\(s.layer)", String(format: "%.5f", s.mean), String(format: "%.5f", s.standardDeviation),
                            String(format: "%.3f", s.zeroFraction), s.saturatedFraction.map { String(format: "%.3f", $0) } ?? "—",
                            s.deadFraction.map { String(format: "%.3f", $0) } ?? "—"]
                })
                let charts = layers.map { layer in
                    var chart = HistogramChart(title: "Layer \(layer.statistics.layer): mean \(String(format: "%.3f", layer.statistics.mean)), std \(String(format: "%.3f", layer.statistics.standardDeviation))",
                                               xLabel: "activation", values: [])
                    chart.edges = layer.edges
                    chart.counts = layer.counts
                    return chart.svg()
                }
                page.addSection("Activation histograms", charts: charts)
                try writeText(page.html(), to: html)
                if !json { lines.append("Wrote \(html)") }
            }
            return lines
        }
    }

    /// Counts as a row of block characters, tallest = the largest count.
    static func sparkline(_ counts: [Int]) -> String {
        let blocks = Array(" ▁▂▃▄▅▆▇█")
        let largest = max(counts.max() ?? 0, 1)
        return String(counts.map { count in
            count == 0 ? blocks[0] : blocks[max(1, Int((Double(count) / Double(largest) * 8).rounded()))]
        })
    }
}

/// Short numbers for labels.
enum AxisLabel {
    static func short(_ value: Double) -> String {
        value == value.rounded() ? String(format: "%.0f", value) : String(format: "%.3g", value)
    }
}
