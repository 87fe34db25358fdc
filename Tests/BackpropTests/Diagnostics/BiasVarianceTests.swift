import Testing
import Backprop
@testable import BackpropCore

@Suite("Bias/variance diagnosis")
struct BiasVarianceTests {
    @Test("The four textbook bias/variance examples", arguments: [
        (0.01, 0.11, BiasVarianceDiagnosis.Verdict.highVariance),
        (0.15, 0.16, .highBias),
        (0.15, 0.30, .highBiasAndVariance),
        (0.005, 0.01, .good),
    ])
    func specExamples(train: Double, dev: Double, verdict: BiasVarianceDiagnosis.Verdict) {
        #expect(BiasVarianceDiagnosis(trainError: train, devError: dev).verdict == verdict)
    }

    @Test func gapsAreMeasuredFromTheBaseline() {
        let diagnosis = BiasVarianceDiagnosis(trainError: 0.15, devError: 0.16, baselineError: 0.14)
        #expect(isClose(diagnosis.avoidableBias, 0.01) && isClose(diagnosis.variance, 0.01))
        #expect(diagnosis.verdict == .good, "15 % is fine when the best possible is 14 %")
        #expect(BiasVarianceDiagnosis(trainError: 0.15, devError: 0.16, tolerance: 0.2).verdict == .good)
    }

    @Test func nextStepsFollowTheRecipe() {
        let bias = BiasVarianceDiagnosis(trainError: 0.15, devError: 0.16)
        #expect(bias.nextSteps.first?.contains("bigger network") == true)
        #expect(bias.nextSteps.contains { $0.contains("longer") })
        let variance = BiasVarianceDiagnosis(trainError: 0.01, devError: 0.11)
        #expect(variance.nextSteps.first?.contains("more training data") == true)
        #expect(variance.nextSteps.contains { $0.contains("regularisation") })
        let both = BiasVarianceDiagnosis(trainError: 0.15, devError: 0.30)
        #expect(both.nextSteps.first?.contains("bias") == true && both.nextSteps.contains { $0.contains("variance") })
        #expect(variance.summary.hasPrefix("High variance: train error 1 %, dev error 11 %"))
        #expect(variance.summary.contains("variance 10 %"))
    }

    @Test func costsArePrintedAsNumbers() {
        let diagnosis = BiasVarianceDiagnosis(trainError: 0.5, devError: 2.0, tolerance: 0.2, isRate: false)
        #expect(diagnosis.verdict == .highBiasAndVariance)
        #expect(diagnosis.summary.contains("train error 0.5,") && !diagnosis.summary.contains("%"))
    }
}
