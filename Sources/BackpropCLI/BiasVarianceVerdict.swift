import ArgumentParser
import Foundation

// MARK: - Bias/variance verdict
//
// INTEGRATION NOTE: a shared bias/variance advisor (SPEC §12) may be merged from another
// branch; when it is, replace `BiasVarianceVerdict` by it and keep the `--baseline-error`
// option group below. The rules here follow SPEC §12's examples.

/// SPEC §12's diagnosis of train and dev errors against a baseline (human or Bayes) error.
///
/// Avoidable bias `b = train error − baseline`, variance `v = dev error − train error`;
/// each is *high* when above `tolerance` (2 percentage points): train 1% / dev 11% → high
/// variance; 15% / 16% → high bias; 15% / 30% → both; 0.5% / 1% → good.
struct BiasVarianceVerdict: Equatable, Codable {
    /// Train error minus the baseline.
    var avoidableBias: Double
    /// Dev error minus train error.
    var variance: Double
    /// `b > tolerance`.
    var highBias: Bool
    /// `v > tolerance`.
    var highVariance: Bool

    init(trainError: Double, devError: Double, baselineError: Double = 0, tolerance: Double = 0.02) {
        avoidableBias = trainError - baselineError
        variance = devError - trainError
        highBias = avoidableBias > tolerance
        highVariance = variance > tolerance
    }

    /// `high bias`, `high variance`, `high bias and high variance` or `good`.
    var label: String {
        switch (highBias, highVariance) {
        case (true, true): "high bias and high variance"
        case (true, false): "high bias"
        case (false, true): "high variance"
        case (false, false): "good"
        }
    }

    /// The verdict with its numbers and the recipe of SPEC §12.
    var sentence: String {
        var text = "Verdict: \(label) (avoidable bias \(String(format: "%.1f", avoidableBias * 100)) points, variance \(String(format: "%.1f", variance * 100)) points)"
        var advice: [String] = []
        if highBias { advice.append("a bigger network, training longer, a better optimiser or another architecture") }
        if highVariance { advice.append("more data, regularisation or another architecture") }
        if !advice.isEmpty { text += ". Try " + advice.joined(separator: "; then ") + "." }
        return text
    }
}

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
