import ArgumentParser
import Foundation
import Testing
import Backprop
@testable import BackpropCLI

@Suite("backprop evaluate")
struct EvaluateCommandTests {
    /// A CSV regression set y = 2·x0 − x1 + 0.5 with 200 rows, and a model trained on it.
    static func regressionModel() throws -> (folder: URL, csv: URL) {
        let folder = CommandRunner.temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let csv = folder.appendingPathComponent("line.csv")
        var random = RandomGenerator(seed: 4)
        var text = "x0,x1,y\n"
        for _ in 0..<200 {
            let x0 = random.uniform() * 2 - 1, x1 = random.uniform() * 2 - 1
            text += "\(x0),\(x1),\(2 * x0 - x1 + 0.5)\n"
        }
        try text.write(to: csv, atomically: true, encoding: .utf8)
        let model = folder.appendingPathComponent("model")
        // Without --json: the JSON summary cannot yet encode the missing train accuracy of a regression.
        let result = CommandRunner.execute([
            "train", "--out", model.path, "--data", "csv:\(csv.path)", "--regression", "--standardize",
            "--layers", "2,8,1", "--activation", "tanh", "--optimizer", "adam", "--lr", "0.02", "--epochs", "60",
        ])
        try #require(result.code == 0, "\(result.message)")
        return (model, csv)
    }

    @Test func regressionReportsMSEMAEAndR2() throws {
        let (model, csv) = try Self.regressionModel()
        let report = try CommandRunner.parse(["evaluate", model.path], as: EvaluateCommand.self).measure()
        let metrics = try #require(report.evaluation.regression)
        #expect(report.evaluation.classification == nil && report.part == "test" && report.evaluation.count == 40)
        #expect(metrics.r2 > 0.9 && metrics.r2 <= 1, "R² \(metrics.r2)")
        #expect(metrics.mae > 0 && metrics.mae * metrics.mae <= metrics.mse + 1e-12, "MAE² ≤ MSE")
        // The quadratic cost of the model is ½·MSE per example (one output).
        #expect(abs(report.evaluation.cost - metrics.mse / 2) < 1e-4 * max(1, metrics.mse))

        let all = try CommandRunner.parse(["evaluate", model.path, "--data", "csv:\(csv.path)", "--regression", "--part", "all"],
                                          as: EvaluateCommand.self).measure()
        #expect(all.evaluation.count == 200 && all.part == "all")
        let text = try CommandRunner.parse(["evaluate", model.path], as: EvaluateCommand.self).report()
        #expect(text.contains("MSE") && text.contains("MAE") && text.contains("R²"))
    }

    @Test func classificationPartsAndRefusals() throws {
        let folder = CommandRunner.temporaryFolder()
        let trained = CommandRunner.execute(["train", "--out", folder.path, "--data", "blobs:n=300,classes=3", "--epochs", "10", "--json"])
        try #require(trained.code == 0, "\(trained.message)")
        let report = try CommandRunner.parse(["evaluate", folder.path, "--part", "dev"], as: EvaluateCommand.self).measure()
        let metrics = try #require(report.evaluation.classification)
        #expect(metrics.classNames.count == 3 && metrics.confusion.count == 3 && report.evaluation.count == 60)
        #expect(metrics.support.reduce(0, +) == 60)

        let refused = CommandRunner.execute(["evaluate", folder.path, "--standardize"])
        #expect(refused.code != 0 && refused.message.contains("saved preprocessing"))
        let wrongData = CommandRunner.execute(["evaluate", folder.path, "--data", "spiral:n=90,classes=2"])
        #expect(wrongData.code != 0, "a two-class set cannot be evaluated by a three-class model")
        let noModel = CommandRunner.execute(["evaluate", CommandRunner.temporaryFolder().path])
        #expect(noModel.code != 0 && noModel.message.contains("not a model folder"))
    }
}
