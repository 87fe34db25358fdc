import ArgumentParser
import Foundation
import Testing
import Backprop
@testable import BackpropCLI

@Suite("backprop cv")
struct CrossValidateCommandTests {
    static func parse(_ arguments: [String]) throws -> CrossValidateCommand {
        try #require(try BackpropCommand.parseAsRoot(["cv"] + arguments) as? CrossValidateCommand)
    }

    @Test func runsFoldsAndPrintsMeansAndVerdict() throws {
        let command = try Self.parse(["--folds", "3", "--stratified", "--data", "moons:n=150", "--layers", "2,8,2", "--epochs", "5",
                                      "--seed", "2", "--baseline-error", "0.05"])
        var lines: [String] = []
        let report = try command.crossValidate { lines.append($0) }
        #expect(report.folds.count == 3 && report.folds.map(\.validationCount).reduce(0, +) == 120)
        let accuracies = report.folds.map { $0.validation.accuracy! }
        #expect(abs(report.validationAccuracy!.mean - accuracies.reduce(0, +) / 3) < 1e-12)
        let verdict = try #require(report.verdict)
        #expect(abs(verdict.avoidableBias - (1 - report.trainAccuracy!.mean - 0.05)) < 1e-12)
        #expect(lines.contains { $0.hasPrefix("Verdict: ") } && lines.contains { $0.contains("validation accuracy") })
        #expect(lines.filter { $0.range(of: #"^[123] "#, options: .regularExpression) != nil }.count == 3, "one line per fold")
    }

    @Test("The four textbook bias/variance examples", arguments: [
        (0.01, 0.11, "high variance"), (0.15, 0.16, "high bias"), (0.15, 0.30, "high bias and high variance"), (0.005, 0.01, "good"),
    ])
    func verdicts(train: Double, dev: Double, label: String) {
        #expect(BiasVarianceDiagnosis(trainError: train, devError: dev).verdict.rawValue == label)
    }

    @Test func baselineShiftsTheVerdict() {
        #expect(BiasVarianceDiagnosis(trainError: 0.15, devError: 0.16, baselineError: 0.14).verdict == .good)
    }

    @Test func badValuesAreNamed() {
        for (arguments, flag) in [(["--folds", "1"], "--folds"), (["--baseline-error", "1.5"], "--baseline-error"), (["--lr", "-1"], "--lr")] {
            do {
                _ = try BackpropCommand.parseAsRoot(["cv"] + arguments)
                Issue.record("\(arguments) parsed")
            } catch {
                #expect(BackpropCommand.message(for: error).contains(flag))
            }
        }
    }
}
