import Foundation
import Testing
import Backprop
@testable import BackpropCore
@testable import BackpropData
@testable import BackpropModelFiles

@Suite("Run report: history.csv and report.html")
struct RunReportTests {
    static func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    /// The text of the `<section id="id">` of `html`.
    static func section(_ id: String, in html: String) -> String? {
        guard let start = html.range(of: "<section id=\"\(id)\">") else { return nil }
        let rest = html[start.upperBound...]
        return String(rest[..<(rest.range(of: "</section>")?.lowerBound ?? rest.endIndex)])
    }

    static func history(epochs: Int, withDev: Bool = true) -> TrainingHistory {
        TrainingHistory(
            batchCosts: (1...(epochs * 5)).map { 1 / Double($0) },
            epochs: (1...epochs).map { epoch in
                EpochRecord(epoch: epoch, trainCost: 1 / Double(epoch), trainAccuracy: 0.5 + 0.04 * Double(epoch),
                            devCost: withDev ? 1.2 / Double(epoch) : nil, devAccuracy: withDev ? 0.5 + 0.03 * Double(epoch) : nil,
                            learningRate: 0.1, seconds: 0.25, updates: epoch * 5)
            })
    }

    /// Monitor records of a real two-layer ReLU network trained on a small set.
    static func monitored(epochs: Int) throws -> (TrainingHistory, [MonitorRecord], Sequential<Double>, Dataset<Double>) {
        let network = try Sequential<Double>.mlp([2, 6, 5, 2], hiddenActivation: .function(.relu))
        randomizeParameters(network, seed: 2)
        let data = try Dataset(features: (randomMatrix(40, 2, seed: 4) as Matrix<Double>), labels: (0..<40).map { $0 % 2 }, classCount: 2)
        let monitor = TrainingMonitor<Double>(probe: data)
        let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy<Double>(), optimizer: GradientDescent<Double>(),
                              schedule: ConstantSchedule(0.2), options: TrainingOptions(epochs: epochs, batchSize: 8, seed: 1))
        let history = try trainer.fit(data, validation: data, callbacks: [monitor])
        return (history, monitor.records, network, data)
    }

    @Test func historyCSVHasAHeaderAndOneRowPerEpoch() throws {
        let text = Self.history(epochs: 7).csvText()
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 8)
        #expect(lines[0] == "epoch,train_cost,train_accuracy,dev_cost,dev_accuracy,learning_rate,seconds")
        let third = lines[3].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(third.count == 7 && third[0] == "3")
        #expect(isClose(Double(third[1])!, 1.0 / 3) && isClose(Double(third[2])!, 0.62) && isClose(Double(third[3])!, 0.4))
        let noDev = Self.history(epochs: 2, withDev: false).csvText().split(separator: "\n")[1]
        #expect(noDev.split(separator: ",", omittingEmptySubsequences: false)[3].isEmpty, "absent values are empty fields")
    }

    @Test func theReportHasEveryChartSection() throws {
        let (history, records, network, data) = try Self.monitored(epochs: 4)
        var report = RunReport(title: "test run", history: history)
        report.monitor = records
        report.diagnosis = BiasVarianceDiagnosis(trainError: 0.01, devError: 0.11)
        report.decisionBoundary = try DecisionBoundaryChart.make(network: network, loss: SoftmaxCrossEntropy<Double>(),
                                                                 pipeline: PreprocessingPipeline(), data: data, resolution: 10)
        let html = report.html()
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.contains("<script") && !html.contains("src=\""), "self-contained: no scripts or external files")
        let expected = ["cost": 2, "accuracy": 2, "activations": 3, "weights": 3, "histograms": 2, "boundary": 1]
        for (id, charts) in expected {
            let section = try #require(Self.section(id, in: html), "section \(id)")
            #expect(Self.count("<svg", in: section) == charts, "section \(id)")
        }
        #expect(Self.count("<svg", in: html) == expected.values.reduce(0, +))
        let diagnosis = try #require(Self.section("diagnosis", in: html))
        #expect(diagnosis.contains("High variance") && diagnosis.contains("<li>"))
        let activations = try #require(Self.section("activations", in: html))
        #expect(activations.contains("layers.0 relu (6)") && activations.contains("layers.1 relu (5)"))
        #expect(activations.contains("dead: layers.0"))
        let weights = try #require(Self.section("weights", in: html))
        #expect(weights.contains("layers.2.weight") && weights.contains("1e-3 rule of thumb"))
        let boundary = try #require(Self.section("boundary", in: html))
        #expect(Self.count("<circle", in: boundary) == 40, "one dot per example")
        #expect(Self.count("<rect", in: boundary) >= 100, "one cell per grid square")
    }

    @Test func writeCreatesBothFilesAtomically() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)/run")
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let urls = try RunReport(title: "t", history: Self.history(epochs: 3)).write(to: folder)
        #expect(try String(contentsOf: urls.history, encoding: .utf8).split(separator: "\n").count == 4)
        let html = try String(contentsOf: urls.report, encoding: .utf8)
        #expect(html.contains("<section id=\"cost\">") && Self.section("activations", in: html) == nil, "no monitor, no activation charts")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["history.csv", "report.html"])
    }

    @Test func theDecisionBoundaryIsDrawnInRawUnits() throws {
        // Raw features around (100, −50) with spreads 10 and 2; standardised for the network.
        var random = RandomGenerator(seed: 3)
        let raw = Matrix<Double>(rows: 30, columns: 2)
        for row in 0..<30 { raw[row, 0] = 100 + 10 * random.normal(); raw[row, 1] = -50 + 2 * random.normal() }
        for methods in [[PreprocessingMethod.standardize], [.pca(components: .all)], [.minMax(lower: -1, upper: 1), .affine(scale: 3, offset: 1)]] {
            let pipeline = try PreprocessingPipeline.fit(methods, to: raw)
            let processed = try pipeline.transform(raw)
            let points = (0..<30).map { (processed[$0, 0], processed[$0, 1]) }
            let back = try #require(PlaneMapping.invert(points, through: pipeline))
            for row in 0..<30 {
                #expect(isClose(back[row].0, raw[row, 0], absolute: 1e-9) && isClose(back[row].1, raw[row, 1], absolute: 1e-9), "\(methods)")
            }
            let network = try Sequential<Double>.mlp([2, 3, 2])
            randomizeParameters(network, seed: 1)
            let data = try Dataset(features: processed, labels: (0..<30).map { $0 % 2 }, classCount: 2)
            let chart = try #require(try DecisionBoundaryChart.make(network: network, loss: SoftmaxCrossEntropy<Double>(), pipeline: pipeline, data: data, resolution: 8))
            #expect(chart.xRange.contains(100) && chart.yRange.contains(-50) && chart.xLabel == "feature 1")
            #expect(chart.grid.count == 8 && chart.grid.allSatisfy { $0.count == 8 })
        }
    }

    @Test func noDecisionBoundaryBeyondTwoFeatures() throws {
        let network = try Sequential<Double>.mlp([3, 2])
        let data = try Dataset(features: (randomMatrix(5, 3, seed: 1) as Matrix<Double>), labels: [0, 1, 0, 1, 0], classCount: 2)
        #expect(try DecisionBoundaryChart.make(network: network, loss: SoftmaxCrossEntropy<Double>(), pipeline: PreprocessingPipeline(), data: data) == nil)
    }
}
