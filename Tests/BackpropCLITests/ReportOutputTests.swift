import ArgumentParser
import Foundation
import Testing
import Backprop
@testable import BackpropCLI

@Suite("backprop train: run folder, verdict and progress bar")
struct ReportOutputTests {
    static func folder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("backprop-report-\(UUID().uuidString)")
    }

    static func command(_ arguments: [String]) throws -> TrainCommand {
        try #require(try BackpropCommand.parseAsRoot(["train"] + arguments) as? TrainCommand)
    }

    @Test func trainWritesHistoryMonitorAndReportIntoTheRunFolder() throws {
        let out = Self.folder()
        defer { try? FileManager.default.removeItem(at: out) }
        var lines: [String] = []
        let summary = try Self.command(["--data", "moons:n=200", "--layers", "2,8,2", "--epochs", "5", "--out", out.path]).train { lines.append($0) }
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(files == ["checkpoint", "checkpoint-history.jsonl", "history.csv", "model.json", "model.safetensors", "monitor.json", "report.html"])
        let csv = try String(contentsOf: out.appendingPathComponent("history.csv"), encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 1 + 5, "a header and one row per epoch")
        #expect(csv[0] == "epoch,train_cost,train_accuracy,dev_cost,dev_accuracy,learning_rate,seconds")
        let records = try JSONDecoder().decode([MonitorRecord].self, from: Data(contentsOf: out.appendingPathComponent("monitor.json")))
        #expect(records.map(\.epoch) == [0, 1, 2, 3, 4, 5])
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        for id in ["cost", "accuracy", "activations", "weights", "histograms", "boundary", "diagnosis"] {
            #expect(html.contains("<section id=\"\(id)\">"), "section \(id)")
        }
        #expect(html.components(separatedBy: "<svg").count - 1 == 2 + 2 + 3 + 3 + 1 + 1)
        let verdict = try #require(summary.verdict)
        #expect(BiasVarianceDiagnosis.Verdict(rawValue: verdict) != nil)
        #expect(lines.contains { $0.hasPrefix("Verdict: ") } && lines.last?.hasPrefix("Report: ") == true)
    }

    @Test func jsonGainsTheVerdictAndKeepsTheMetrics() throws {
        let out = Self.folder()
        defer { try? FileManager.default.removeItem(at: out) }
        var lines: [String] = []
        let command = try Self.command(["--data", "moons:n=200", "--layers", "2,8,2", "--epochs", "3", "--json", "--baseline-error", "0.05", "--out", out.path])
        let summary = try command.train { lines.append($0) }
        #expect(lines.isEmpty, "--json prints nothing but the final object")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(summary.jsonText().utf8)) as? [String: Any])
        for key in ["train_accuracy", "train_cost", "dev_accuracy", "dev_cost", "test_accuracy", "test_cost", "epochs", "seconds", "verdict", "next_steps"] {
            #expect(object[key] != nil, "key \(key)")
        }
        // The verdict is the library's diagnosis of the final errors against the baseline.
        let expected = BiasVarianceDiagnosis(trainError: 1 - summary.trainAccuracy!, devError: 1 - summary.devAccuracy!, baselineError: 0.05)
        #expect(summary.verdict == expected.verdict.rawValue)
    }

    @Test func theBaselineErrorComesFromTheFlagOrTheConfigFile() throws {
        let out = Self.folder()
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: out) }
        let file = out.appendingPathComponent("run.yaml")
        try "epochs: 2\nbaseline-error: 0.07\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(try Self.command(["--config", file.path]).baselineError() == 0.07)
        #expect(try Self.command(["--config", file.path]).recipe().epochs == 2, "baseline-error is an accepted key")
        #expect(try Self.command(["--config", file.path, "--baseline-error", "0.01"]).baselineError() == 0.01)
        #expect(try Self.command([]).baselineError() == 0)
        #expect(throws: (any Error).self) { try Self.command(["--baseline-error", "-1"]) }
    }

    @Test func verdictUsesCostsForRegression() {
        let diagnosis = ProgressSession.diagnosis(train: (cost: 1.0, accuracy: nil), dev: (cost: 1.5, accuracy: nil), test: nil, baselineError: 0)
        #expect(diagnosis?.verdict == .highBiasAndVariance && diagnosis?.isRate == false)
        #expect(ProgressSession.diagnosis(train: (cost: 1, accuracy: 0.9), dev: nil, test: nil, baselineError: 0) == nil)
        let fromTest = ProgressSession.diagnosis(train: (cost: 1, accuracy: 0.99), dev: nil, test: (cost: 1, accuracy: 0.89), baselineError: 0)
        #expect(fromTest?.verdict == .highVariance && fromTest?.summary.contains("test error 11 %") == true)
    }

    @Test func theProgressBarShowsFractionBatchesAndETA() {
        let line = ProgressBar.line(epoch: 3, of: 10, batch: 5, of: 20, cost: 0.25, elapsed: 2, width: 8)
        #expect(line == "epoch 3/10 [##......]  25%  5/20 batches  cost 0.2500  ETA 0:06")
        #expect(ProgressBar.clockText(3725) == "1:02:05")
        #expect(ProgressBar.clockText(.nan) == "--:--")
    }

    @Test func theProgressBarErasesItselfBeforeTheEpochLine() throws {
        var written = ""
        let bar = ProgressBar(epochs: 2, interval: .zero, width: 4) { written += $0 }
        let network = try Sequential<Float>.mlp([2, 2])
        let data = try Dataset(features: Matrix<Float>(rows: 8, columns: 2), labels: [0, 1, 0, 1, 0, 1, 0, 1], classCount: 2)
        var order: [String] = []
        let epochLine = ClosureCallback<Float>(onEpochEnd: { _, _ in order.append(written); return .proceed })
        let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy<Float>(), optimizer: GradientDescent<Float>(),
                              options: TrainingOptions(epochs: 2, batchSize: 2, seed: 1))
        try trainer.fit(data, callbacks: [bar, epochLine])
        #expect(order.count == 2)
        #expect(order[0].contains("epoch 1/2 [####] 100%  4/4 batches"))
        #expect(order[0].hasSuffix("\r"), "the bar is erased (carriage return after blanks) before the epoch line")
        #expect(!order[0].contains("\n"), "the bar never ends a line")
    }
}
