import Foundation
import BackpropCore

/// The report of one training run: `history.csv` and a self-contained `report.html` with
/// the charts described in the Monitoring article.
///
/// Sections of the page (each a `<section id="…">`):
/// - `cost`: cost per iteration (log scale) and train/dev cost per epoch;
/// - `accuracy`: train/dev accuracy per epoch and the learning rate;
/// - `activations`: per-layer activation mean and standard deviation over the epochs, and
///   the dead-ReLU / saturated fractions;
/// - `weights`: weight norms, gradient norms and update-to-weight ratios per weight tensor;
/// - `histograms`: the activation histogram of every layer at the last epoch;
/// - `boundary`: the decision boundary, for 2-D inputs;
/// - `diagnosis`: the bias/variance verdict and next steps.
///
/// ```swift
/// var report = RunReport(title: "moons", history: history)
/// report.monitor = monitor.records
/// try report.write(to: URL(fileURLWithPath: "runs/today"))
/// ```
public struct RunReport: Sendable {
    /// The page title.
    public var title: String
    /// The per-iteration and per-epoch record.
    public var history: TrainingHistory
    /// The monitor's records (epoch 0 first), or empty.
    public var monitor: [MonitorRecord] = []
    /// Key figures for the table at the top.
    public var summary: [(label: String, value: String)] = []
    /// The bias/variance diagnosis, when there was a dev (or test) set.
    public var diagnosis: BiasVarianceDiagnosis?
    /// The decision boundary, for 2-D inputs.
    public var decisionBoundary: DecisionBoundaryChart?

    /// A report of `history` with nothing else yet.
    public init(title: String, history: TrainingHistory) {
        self.title = title
        self.history = history
    }

    // MARK: - Writing

    /// Writes `history.csv` and `report.html` into `directory` (created when missing),
    /// each atomically; returns their URLs.
    @discardableResult
    public func write(to directory: URL) throws -> (history: URL, report: URL) {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let csv = directory.appendingPathComponent("history.csv"), page = directory.appendingPathComponent("report.html")
        try AtomicFile.write(history.csvText(), to: csv)
        try AtomicFile.write(html(), to: page)
        return (csv, page)
    }

    // MARK: - Page

    /// The complete HTML page.
    public func html() -> String {
        var page = HTMLReport(title: title)
        page.summary = summary
        if let diagnosis {
            page.addList("Diagnosis", id: "diagnosis", text: diagnosis.summary, items: diagnosis.nextSteps)
        }
        page.addSection("Cost", id: "cost", text: "The cost of every mini-batch (noisy by nature) and the cost of the whole train and dev sets after each epoch; penalty included.",
                        charts: [costPerIterationChart(), costPerEpochChart()])
        var accuracyCharts: [String] = []
        if history.epochs.contains(where: { $0.trainAccuracy != nil || $0.devAccuracy != nil }) { accuracyCharts.append(accuracyChart()) }
        accuracyCharts.append(learningRateChart())
        page.addSection("Accuracy and learning rate", id: "accuracy", charts: accuracyCharts)
        if !monitor.isEmpty {
            page.addSection("Activations per layer", id: "activations",
                            text: "Measured after each epoch on a fixed probe batch of training examples in inference mode (epoch 0 is the initial network). A dead ReLU outputs 0 for every probe example; a saturated sigmoid/tanh activation lies within 0.01 of an asymptote.",
                            charts: activationCharts())
            page.addSection("Weights and gradients", id: "weights",
                            text: "Per weight matrix: ‖W‖, the norm of the gradient of the epoch's last update, and ‖ΔW‖/‖W‖ over the epoch and for the last update alone (rule of thumb: about 1e-3 per update).",
                            charts: weightCharts())
            page.addSection("Activation histograms (last epoch)", id: "histograms", charts: histogramCharts())
        }
        if let decisionBoundary {
            page.addSection("Decision boundary", id: "boundary", text: "Predicted class over the input plane (tinted) with the training examples coloured by their true class.",
                            charts: [decisionBoundary.svg()])
        }
        return page.html()
    }

    // MARK: - Charts

    private func costPerIterationChart() -> String {
        var chart = LineChart(title: "Cost per iteration", xLabel: "iteration (update)", yLabel: "batch cost (log scale)", logarithmic: true)
        let costs = history.batchCosts
        // At most ~2000 points: beyond that the line is drawn through every k-th batch.
        let stride = max(1, costs.count / 2000)
        chart.add(.init(name: "batch cost", points: Swift.stride(from: 0, to: costs.count, by: stride).map { (Double($0 + 1), costs[$0]) }))
        if history.epochs.count > 1 {
            chart.add(.init(name: "train cost (epoch end)", points: history.epochs.map { (Double($0.updates), $0.trainCost) }, color: "#111111"))
        }
        return chart.svg()
    }

    private func costPerEpochChart() -> String {
        var chart = LineChart(title: "Cost per epoch", xLabel: "epoch", yLabel: "cost", logarithmic: Self.spansDecades(history.epochs.map(\.trainCost)))
        chart.add(.init(name: "train", points: history.epochs.map { (Double($0.epoch), $0.trainCost) }, color: LineChart.palette[0]))
        if history.epochs.contains(where: { $0.devCost != nil }) {
            chart.add(.init(name: "dev", points: history.epochs.map { (Double($0.epoch), $0.devCost ?? .nan) }, color: LineChart.palette[1], isDashed: true))
        }
        if history.epochs.contains(where: { $0.averagedDevCost != nil }) {
            chart.add(.init(name: "dev, averaged weights", points: history.epochs.map { (Double($0.epoch), $0.averagedDevCost ?? .nan) },
                            color: LineChart.palette[4], isDashed: true))
        }
        return chart.svg()
    }

    private func accuracyChart() -> String {
        var chart = LineChart(title: "Accuracy per epoch", xLabel: "epoch", yLabel: "accuracy (fraction correct)")
        chart.add(.init(name: "train", points: history.epochs.map { (Double($0.epoch), $0.trainAccuracy ?? .nan) }, color: LineChart.palette[0]))
        if history.epochs.contains(where: { $0.devAccuracy != nil }) {
            chart.add(.init(name: "dev", points: history.epochs.map { (Double($0.epoch), $0.devAccuracy ?? .nan) }, color: LineChart.palette[1], isDashed: true))
        }
        if history.epochs.contains(where: { $0.averagedDevAccuracy != nil }) {
            chart.add(.init(name: "dev, averaged weights", points: history.epochs.map { (Double($0.epoch), $0.averagedDevAccuracy ?? .nan) },
                            color: LineChart.palette[4], isDashed: true))
        }
        return chart.svg()
    }

    private func learningRateChart() -> String {
        let rates = history.epochs.map(\.learningRate)
        var chart = LineChart(title: "Learning rate", xLabel: "epoch", yLabel: "α (last update of the epoch)", logarithmic: Self.spansDecades(rates))
        chart.includesZero = true
        chart.add(.init(name: "α", points: history.epochs.map { (Double($0.epoch), $0.learningRate) }, color: LineChart.palette[2]))
        return chart.svg()
    }

    private var layerNames: [String] {
        var names: [String] = []
        for record in monitor { for layer in record.layers where !names.contains(layer.name) { names.append(layer.name) } }
        return names
    }

    private func label(ofLayer name: String) -> String {
        guard let layer = monitor.last?.layers.first(where: { $0.name == name }) else { return name }
        return "\(name) \(layer.activation) (\(layer.unitCount))"
    }

    /// One series per layer of `value` over the monitored epochs.
    private func layerSeries(_ value: (LayerActivationRecord) -> Double?) -> [LineChart.Series] {
        layerNames.enumerated().compactMap { index, name in
            let points = monitor.map { record in (Double(record.epoch), record.layers.first { $0.name == name }.flatMap(value) ?? .nan) }
            guard points.contains(where: { $0.1.isFinite }) else { return nil }
            return .init(name: label(ofLayer: name), points: points, color: LineChart.palette[index % LineChart.palette.count])
        }
    }

    private func activationCharts() -> [String] {
        var mean = LineChart(title: "Activation mean", xLabel: "epoch", yLabel: "mean activation")
        layerSeries(\.mean).forEach { mean.add($0) }
        var deviation = LineChart(title: "Activation standard deviation", xLabel: "epoch", yLabel: "std of activations")
        layerSeries(\.standardDeviation).forEach { deviation.add($0) }
        var charts = [mean.svg(), deviation.svg()]
        let dead = layerSeries(\.deadFraction), saturated = layerSeries(\.saturatedFraction)
        if !dead.isEmpty || !saturated.isEmpty {
            var fractions = LineChart(title: "Dead ReLUs and saturated units", xLabel: "epoch", yLabel: "fraction")
            fractions.includesZero = true
            dead.forEach { fractions.add(.init(name: "dead: " + $0.name, points: $0.points, color: $0.color)) }
            saturated.forEach { fractions.add(.init(name: "saturated: " + $0.name, points: $0.points, color: $0.color, isDashed: true)) }
            charts.append(fractions.svg())
        }
        return charts
    }

    private var parameterNames: [String] {
        monitor.last?.parameters.map(\.name) ?? []
    }

    private func parameterSeries(_ value: (ParameterRecord) -> Double, from firstEpoch: Int) -> [LineChart.Series] {
        parameterNames.enumerated().map { index, name in
            let points = monitor.filter { $0.epoch >= firstEpoch }.map { record in
                (Double(record.epoch), record.parameters.first { $0.name == name }.map(value) ?? .nan)
            }
            return .init(name: name, points: points, color: LineChart.palette[index % LineChart.palette.count])
        }
    }

    private func weightCharts() -> [String] {
        var norms = LineChart(title: "Weight norms", xLabel: "epoch", yLabel: "‖W‖ (Frobenius)")
        parameterSeries(\.norm, from: 0).forEach { norms.add($0) }
        var gradients = LineChart(title: "Gradient norms (last update of each epoch)", xLabel: "epoch", yLabel: "‖∂J/∂W‖ (log scale)", logarithmic: true)
        parameterSeries(\.gradientNorm, from: 1).forEach { gradients.add($0) }
        var ratios = LineChart(title: "Update-to-weight ratio", xLabel: "epoch", yLabel: "‖ΔW‖ / ‖W‖ (log scale)", logarithmic: true)
        for series in parameterSeries(\.epochUpdateRatio, from: 1) { ratios.add(.init(name: series.name + " (epoch)", points: series.points, color: series.color)) }
        for series in parameterSeries(\.lastUpdateRatio, from: 1) { ratios.add(.init(name: series.name + " (last update)", points: series.points, color: series.color, isDashed: true)) }
        let epochs = monitor.map(\.epoch).filter { $0 >= 1 }
        if let first = epochs.first, let last = epochs.last {
            ratios.add(.init(name: "1e-3 rule of thumb", points: [(Double(first), 1e-3), (Double(last), 1e-3)], color: "#999999", isDashed: true))
        }
        return [norms.svg(), gradients.svg(), ratios.svg()]
    }

    private func histogramCharts() -> [String] {
        guard let last = monitor.last else { return [] }
        return last.layers.map { layer in
            HistogramChart(title: "\(label(ofLayer: layer.name)), epoch \(last.epoch)", xLabel: "activation value",
                           edges: layer.histogram.edges, counts: layer.histogram.counts).svg()
        }
    }

    /// `true` when the positive values span more than two decades (plot on a log scale).
    static func spansDecades(_ values: [Double]) -> Bool {
        let positive = values.filter { $0 > 0 && $0.isFinite }
        guard let low = positive.min(), let high = positive.max(), positive.count == values.count else { return false }
        return high / low > 100
    }
}
