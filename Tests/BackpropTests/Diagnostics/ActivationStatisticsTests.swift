import Testing
import Backprop
@testable import BackpropCore

@Suite("ActivationStatistics")
struct ActivationStatisticsTests {
    /// The five settings of the activation-statistics experiment (1000×500 unit-Gaussian input, 10 bias-free layers of 500).
    enum Setting: String, CaseIterable, Sendable {
        case tanhSmall, tanhLarge, tanhLeCun, reluLeCun, reluHe
    }

    private func measure(_ activation: Activation, _ initializer: Initializer) throws -> [ActivationStatistics.LayerStatistics] {
        try ActivationStatistics.measure(activation: activation, initializer: initializer, seed: 2024, scalar: Float.self)
    }

    private func within15Percent(_ measured: Double, _ reference: Double) -> Bool {
        isClose(measured, reference, absolute: 0, relative: 0.15)
    }

    @Test("Each setting of the activation-statistics experiment reproduces the listed per-layer std within 15%", arguments: Setting.allCases)
    func setting(_ setting: Setting) throws {
        switch setting {
        case .tanhSmall:
            // W = 0.01·N(0,1): 0.21, 0.048, 0.011, 0.0024, … → ≈ 0 by layer 10.
            let std = try measure(.tanh, .smallRandom(standardDeviation: 0.01)).map(\.standardDeviation)
            for (measured, reference) in zip(std, [0.21, 0.048, 0.011, 0.0024]) {
                #expect(within15Percent(measured, reference), "\(std)")
            }
            #expect(std[9] < 1e-6, "\(std)")
        case .tanhLarge:
            // W = N(0,1): saturated, std ≈ 0.98 in every layer.
            let std = try measure(.tanh, .smallRandom(standardDeviation: 1)).map(\.standardDeviation)
            #expect(std.count == 10 && std.allSatisfy { within15Percent($0, 0.98) }, "\(std)")
        case .tanhLeCun:
            // W = N(0,1)/√n_in: 0.63, 0.49, 0.41, 0.36, … 0.23.
            let std = try measure(.tanh, .lecunNormal).map(\.standardDeviation)
            for (measured, reference) in zip(std, [0.63, 0.49, 0.41, 0.36]) {
                #expect(within15Percent(measured, reference), "\(std)")
            }
            #expect(within15Percent(std[9], 0.23), "\(std)")
        case .reluLeCun:
            // W = N(0,1)/√n_in: mean/std halve each layer, 0.40/0.58 … 0.018/0.026.
            let layers = try measure(.relu, .lecunNormal)
            #expect(within15Percent(layers[0].standardDeviation, 0.58))
            #expect(within15Percent(layers[9].standardDeviation, 0.026), "\(layers.map(\.standardDeviation))")
            #expect(within15Percent(layers[0].mean, 0.40))
            #expect(within15Percent(layers[9].mean, 0.018), "\(layers.map(\.mean))")
            // About half the units of every layer output exactly 0.
            #expect(layers.allSatisfy { abs($0.zeroFraction - 0.5) < 0.1 })
        case .reluHe:
            // W = N(0,1)/√(n_in/2): std ≈ 0.81–0.89 in every layer.
            let std = try measure(.relu, .heNormal).map(\.standardDeviation)
            #expect(std.count == 10 && std.allSatisfy { $0 > 0.81 * 0.85 && $0 < 0.89 * 1.15 }, "\(std)")
        }
    }

    @Test("Sizes and data-dependent schemes are refused")
    func validation() {
        #expect(throws: NetworkError.self) {
            try ActivationStatistics.measure(activation: .relu, initializer: .heNormal, depth: 0, scalar: Float.self)
        }
        #expect(throws: NetworkError.self) {
            try ActivationStatistics.measure(activation: .relu, initializer: .lsuv(), scalar: Float.self)
        }
    }

    @Test func sigmoidSaturatesAtBothEndsAndReLUReportsDeadUnits() throws {
        // N(0,1) weights over 500 inputs: z has σ ≈ 22·std(a), so most sigmoids sit near 0 or 1.
        let sigmoid = try ActivationStatistics.measure(activation: .sigmoid, initializer: .smallRandom(standardDeviation: 1),
                                                       depth: 2, width: 200, inputWidth: 200, exampleCount: 200, seed: 3, scalar: Float.self)
        let activations = try Self.lastLayerOutput(.sigmoid, .smallRandom(standardDeviation: 1))
        let both = Double(activations.count(where: { $0 < 0.01 || $0 > 0.99 })) / Double(activations.count)
        let high = Double(activations.count(where: { $0 > 0.99 })) / Double(activations.count)
        #expect(abs(try #require(sigmoid.last?.saturatedFraction) - both) < 1e-9 && both > high * 1.5, "the 0 end counts too")
        let relu = try ActivationStatistics.measure(activation: .relu, initializer: .heNormal, depth: 2, width: 200, inputWidth: 200,
                                                    exampleCount: 200, seed: 3, scalar: Float.self)
        #expect(relu.allSatisfy { $0.saturatedFraction == nil && $0.deadFraction != nil })
        let identity = try ActivationStatistics.measure(activation: .identity, initializer: .lecunNormal, depth: 1, width: 10, inputWidth: 10,
                                                        exampleCount: 10, scalar: Float.self)
        #expect(identity[0].saturatedFraction == nil && identity[0].deadFraction == nil)
    }

    static func lastLayerOutput(_ activation: Activation, _ initializer: Initializer) throws -> [Float] {
        var last: [Float] = []
        try ActivationStatistics.forEachLayer(activation: activation, initializer: initializer, depth: 2, width: 200, inputWidth: 200,
                                              exampleCount: 200, seed: 3, scalar: Float.self) { _, output in last = output.elements }
        return last
    }
}
