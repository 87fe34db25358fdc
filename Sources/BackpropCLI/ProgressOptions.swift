import ArgumentParser
import Backprop
import Foundation

/// `--baseline-error` of `backprop train`: what the bias/variance verdict compares with.
struct ReportOptions: ParsableArguments {
    /// Config-file keys these options also read.
    static let configurationKeys = ["baseline-error"]

    @Option(name: .customLong("baseline-error"), help: ArgumentHelp(
        "The human or Bayes error (0 to 1, or a cost for regression) the bias/variance verdict compares the training error with (default 0; config key baseline-error).",
        valueName: "e"))
    var baselineError: Double?

    func validate() throws {
        if let baselineError, !(baselineError >= 0 && baselineError.isFinite) {
            throw ValidationError("--baseline-error must be a non-negative number, got \(baselineError)")
        }
    }
}

extension TrainCommand {
    /// The baseline error: `--baseline-error`, else the config file's `baseline-error`, else 0.
    func baselineError() throws -> Double {
        if let value = reportOptions.baselineError { return value }
        guard let config else { return 0 }
        return try RunConfiguration.load(path: config).double("baseline-error", in: 0...1e12) ?? 0
    }
}
