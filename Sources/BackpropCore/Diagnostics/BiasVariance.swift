import Foundation

/// The bias/variance diagnosis (see the BiasAndVariance article): compare the training error with a baseline
/// (human or Bayes) error and the dev error with the training error, and say what to try next.
///
/// - avoidable bias = `train − baseline`
/// - variance = `dev − train`
/// - a gap is **high** when it exceeds ``tolerance`` (default 0.02, two percentage points of
///   error rate; pass a tolerance in cost units when the errors are regression costs).
///
/// | train | dev | verdict |
/// |---|---|---|
/// | 1 % | 11 % | high variance |
/// | 15 % | 16 % | high bias |
/// | 15 % | 30 % | high bias and high variance |
/// | 0.5 % | 1 % | good |
///
/// ```swift
/// let diagnosis = BiasVarianceDiagnosis(trainError: 0.01, devError: 0.11)
/// print(diagnosis.verdict)          // high variance
/// print(diagnosis.nextSteps.first!) // get more training data
/// ```
public struct BiasVarianceDiagnosis: Sendable, Hashable, Codable {
    /// The four outcomes.
    public enum Verdict: String, Sendable, Hashable, Codable, CustomStringConvertible {
        /// The network underfits: the training error is far above the baseline.
        case highBias = "high bias"
        /// The network overfits: the dev error is far above the training error.
        case highVariance = "high variance"
        /// Both gaps are large.
        case highBiasAndVariance = "high bias and high variance"
        /// Both gaps are within the tolerance.
        case good

        public var description: String { rawValue }
    }

    /// The default gap tolerance for error rates: two percentage points.
    public static let defaultTolerance = 0.02

    /// The training error (1 − accuracy, or a cost).
    public var trainError: Double
    /// The dev error, in the units of ``trainError``.
    public var devError: Double
    /// The lowest error one can hope for (human or Bayes); 0 when unknown.
    public var baselineError: Double
    /// The largest gap still counted as small.
    public var tolerance: Double
    /// `true` when the errors are error rates (printed as percentages), `false` for costs.
    public var isRate: Bool
    /// The name of the held-out set in ``summary`` (`dev`, or `test` when it stands in).
    public var heldOutName = "dev"

    /// A diagnosis of the given errors.
    ///
    /// - Parameters:
    ///   - trainError: error on the training set.
    ///   - devError: error on the dev set.
    ///   - baselineError: the human/Bayes error (default 0).
    ///   - tolerance: the largest gap counted as small (default ``defaultTolerance``).
    ///   - isRate: the errors are rates in [0, 1] (default) rather than costs.
    public init(trainError: Double, devError: Double, baselineError: Double = 0, tolerance: Double = defaultTolerance, isRate: Bool = true) {
        self.trainError = trainError
        self.devError = devError
        self.baselineError = baselineError
        self.tolerance = tolerance
        self.isRate = isRate
    }

    /// `train − baseline`.
    public var avoidableBias: Double { trainError - baselineError }
    /// `dev − train`.
    public var variance: Double { devError - trainError }

    /// The verdict from the two gaps.
    public var verdict: Verdict {
        switch (avoidableBias > tolerance, variance > tolerance) {
        case (true, true): .highBiasAndVariance
        case (true, false): .highBias
        case (false, true): .highVariance
        case (false, false): .good
        }
    }

    /// What to try next, most promising first.
    public var nextSteps: [String] {
        switch verdict {
        case .highBias: Self.biasSteps
        case .highVariance: Self.varianceSteps
        case .highBiasAndVariance:
            ["first reduce the bias: " + Self.biasSteps[0], Self.biasSteps[1], Self.biasSteps[2],
             "then reduce the variance: " + Self.varianceSteps[0], Self.varianceSteps[1]]
        case .good:
            ["nothing pressing; \(avoidableBias >= variance ? "the larger gap is the avoidable bias, so a bigger network or longer training would help most" : "the larger gap is the variance, so more data or regularisation would help most")"]
        }
    }

    /// One sentence: the verdict, the gaps and the first step.
    public var summary: String {
        func percent(_ value: Double) -> String { isRate ? Self.percentText(value) : String(format: "%.4g", value) }
        var text = "\(verdict.rawValue.prefix(1).uppercased() + verdict.rawValue.dropFirst()): train error \(percent(trainError)), \(heldOutName) error \(percent(devError))"
        if baselineError != 0 { text += ", baseline \(percent(baselineError))" }
        text += " (avoidable bias \(percent(avoidableBias)), variance \(percent(variance)))"
        return text + ". Next: " + (nextSteps.first ?? "") + "."
    }

    static let biasSteps = [
        "train a bigger network (more hidden units or layers)",
        "train longer",
        "use a better optimiser (momentum, Adam) or tune the learning rate",
        "try another architecture",
    ]
    static let varianceSteps = [
        "get more training data (or augment it)",
        "add regularisation (L2, dropout, early stopping)",
        "try another architecture",
    ]

    static func percentText(_ value: Double) -> String {
        let scaled = (value * 1000).rounded() / 10
        return (scaled == scaled.rounded() ? String(Int(scaled)) : String(scaled)) + " %"
    }
}
