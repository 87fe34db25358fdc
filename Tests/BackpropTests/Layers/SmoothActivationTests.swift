import Foundation
import Testing
import Backprop
@testable import BackpropCore

/// GELU, SiLU and SELU: values against closed forms evaluated independently (Python's
/// `math.erf`, `math.exp`, `math.expm1`), derivatives against central differences, and the
/// vectorised Float kernels against the Double forms. The layer-level gradient checks are in
/// `LayerGradientTests`, which runs every function of `Activation.registry`.
@Suite("GELU, SiLU and SELU")
struct SmoothActivationTests {
    static let z: [Double] = [-2, -0.5, 0, 1.5]

    func apply<S: NetworkScalar>(_ activation: Activation, _ values: [S]) -> [S] {
        let input = Matrix<S>(rows: 1, columns: values.count, elements: values)
        let output = Matrix<S>(rows: 1, columns: values.count)
        activation.apply(input, into: output)
        return output.elements
    }

    /// `∂J/∂z` for `J = Σ a` (upstream gradient 1) through ``Activation/backward(outputGradient:z:a:into:)``.
    func derivative<S: NetworkScalar>(_ activation: Activation, _ values: [S]) -> [S] {
        let z = Matrix<S>(rows: 1, columns: values.count, elements: values)
        let a = Matrix<S>(rows: 1, columns: values.count)
        activation.apply(z, into: a)
        let gradient = Matrix<S>(rows: 1, columns: values.count, elements: Array(repeating: 1, count: values.count))
        activation.backward(outputGradient: gradient, z: z, a: a, into: gradient)
        return gradient.elements
    }

    @Test func geluIsTheExactFormWithErf() {
        // x·½(1 + erf(x/√2))
        #expect(allClose(apply(.gelu, Self.z), [-0.04550026389635842, -0.15426876936299344, 0, 1.399789198096713]))
    }

    @Test func siluIsXTimesSigmoid() {
        #expect(allClose(apply(.silu, Self.z), [-0.2384058440442351, -0.1887703343990727, 0, 1.2263617142904655]))
    }

    @Test func seluUsesTheSelfNormalisingConstants() {
        #expect(Activation.seluScale == 1.0507009873554805 && Activation.seluAlpha == 1.6732632423543772)
        // λx above 0, λα(eˣ − 1) below
        #expect(allClose(apply(.selu, Self.z), [-1.5201664685956948, -0.6917581878028713, 0, 1.5760514810332207]))
    }

    @Test("Derivative matches central differences", arguments: [Activation.gelu, .silu, .selu])
    func derivativeMatchesDifferences(activation: Activation) {
        let points: [Double] = [-6, -3.2, -1, -0.3, 0.2, 0.7, 2.5, 7]
        let step = 1e-6
        let numeric = points.map { x in (apply(activation, [x + step])[0] - apply(activation, [x - step])[0]) / (2 * step) }
        #expect(allClose(derivative(activation, points), numeric, absolute: 1e-8, relative: 1e-7), "\(activation)")
    }

    @Test("Float kernels match the Double forms", arguments: [Activation.gelu, .silu, .selu])
    func floatKernelsMatchDouble(activation: Activation) {
        // 37 values (two SIMD lanes and a remainder) from −12 to 12, and the extremes.
        let points = (0..<37).map { -12 + Double($0) * 24 / 36 } + [-90, -1e-3, 1e-3, 90]
        let floats = points.map(Float.init)
        let exact = apply(activation, floats.map(Double.init))
        let values = apply(activation, floats).map(Double.init)
        #expect(allClose(values, exact, absolute: 3e-7, relative: 1e-6), "\(activation) values")
        let exactSlopes = derivative(activation, floats.map(Double.init))
        let slopes = derivative(activation, floats).map(Double.init)
        #expect(allClose(slopes, exactSlopes, absolute: 3e-7, relative: 1e-6), "\(activation) derivatives")
    }

    @Test("Float kernels keep NaN and saturate at ±∞", arguments: [Activation.gelu, .silu, .selu])
    func floatKernelsAtTheEdges(activation: Activation) {
        let values = apply(activation, [Float.nan, Float.infinity])
        #expect(values[0].isNaN)
        #expect(values[1] == .infinity)
        let lower = apply(activation, [-Float.greatestFiniteMagnitude])[0]
        #expect(lower == (activation == .selu ? Float(-Activation.seluScale * Activation.seluAlpha) : 0))
    }

    @Test func defaultInitialisation() throws {
        #expect(Initializer.default(for: .function(.selu)) == .lecunNormal)
        #expect(Initializer.default(for: .function(.gelu)) == .heNormal)
        #expect(Initializer.default(for: .function(.silu)) == .heNormal)
        #expect(try Initializer(parsing: "lecun") == .lecunNormal)
    }

    /// The self-normalising property the constants are chosen for: a deep SELU network with
    /// LeCun-normal weights keeps unit-variance inputs near mean 0 and variance 1.
    @Test func seluNetworkKeepsMeanAndVariance() throws {
        let width = 256
        let network = try Sequential<Double>.mlp(Array(repeating: width, count: 9), hiddenActivation: .function(.selu))
        var random = RandomGenerator(seed: 3)
        try network.initializeParameters(.lecunNormal, random: &random)
        let inputs: Matrix<Double> = randomMatrix(400, width, seed: 4)
        var hidden = inputs
        for layer in network.layers.dropLast() { hidden = try layer.forward(hidden, mode: .inference) }
        let values = hidden.elements
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
        #expect(abs(mean) < 0.1 && abs(variance - 1) < 0.15, "mean \(mean), variance \(variance) after 7 SELU layers")
    }
}
