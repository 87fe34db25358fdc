import ArgumentParser
import Foundation

/// `--baseline-error`: the error the verdict measures avoidable bias against.
struct BaselineOptions: ParsableArguments {
    @Option(name: .customLong("baseline-error"), help: ArgumentHelp(
        "The baseline (human or Bayes) error for the bias/variance verdict, as a fraction (0.01 = 1%; default: 0).",
        valueName: "fraction"))
    var baselineError: Double = 0

    func validate() throws {
        guard baselineError >= 0, baselineError < 1 else {
            throw ValidationError("--baseline-error must be a fraction in [0, 1), got \(baselineError)")
        }
    }
}
