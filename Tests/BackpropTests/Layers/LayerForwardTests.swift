import Testing
import Backprop
@testable import BackpropCore

/// Forward values against numbers computed by hand (closed forms evaluated independently).
@Suite("Layer forward values")
struct LayerForwardTests {
    static let z: [Double] = [-2, -0.5, 0, 1.5]

    func apply(_ activation: Activation, _ values: [Double]) -> [Double] {
        let input = Matrix<Double>(rows: 1, columns: values.count, elements: values)
        let output = Matrix<Double>(rows: 1, columns: values.count)
        activation.apply(input, into: output)
        return output.elements
    }

    @Test func identity() {
        #expect(apply(.identity, Self.z) == Self.z)
    }

    @Test func sigmoid() {
        // 1/(1+e²), 1/(1+e^0.5), 1/2, 1/(1+e^−1.5)
        #expect(allClose(apply(.sigmoid, Self.z), [0.11920292202211755, 0.3775406687981454, 0.5, 0.8175744761936437]))
    }

    @Test func tanh() {
        #expect(allClose(apply(.tanh, Self.z), [-0.9640275800758169, -0.46211715726000974, 0, 0.9051482536448664]))
    }

    @Test func relu() {
        #expect(apply(.relu, Self.z) == [0, 0, 0, 1.5])
    }

    @Test func leakyReLU() {
        #expect(allClose(apply(.leakyReLU(), Self.z), [-0.02, -0.005, 0, 1.5]))
        #expect(allClose(apply(.leakyReLU(alpha: 0.2), Self.z), [-0.4, -0.1, 0, 1.5]))
    }

    @Test func elu() {
        // α(e^z − 1) below zero: e^−2 − 1, e^−0.5 − 1
        #expect(allClose(apply(.elu(), Self.z), [-0.8646647167633873, -0.3934693402873666, 0, 1.5]))
        #expect(allClose(apply(.elu(alpha: 2), Self.z), [-1.7293294335267746, -0.7869386805747332, 0, 1.5]))
    }

    @Test func softmax() {
        // e^{1,2,3} / (e + e² + e³); a constant shift changes nothing
        let expected = [0.09003057317038046, 0.24472847105479767, 0.6652409557748219]
        #expect(allClose(apply(.softmax, [1, 2, 3]), expected))
        #expect(allClose(apply(.softmax, [101, 102, 103]), expected))
        let rows = Matrix<Double>([[1, 2, 3], [0, 0, 0]])
        let output = Matrix<Double>(rows: 2, columns: 3)
        Activation.softmax.apply(rows, into: output)
        #expect(allClose(output.row(1), [1.0 / 3, 1.0 / 3, 1.0 / 3]))
    }

    @Test func softmaxOfHugeLogitsIsFinite() {
        #expect(apply(.softmax, [1000, -1000, 0]) == [1, 0, 0])
        #expect(allClose(apply(.softmax, [-1000, -1000]), [0.5, 0.5]))
        #expect(allClose(apply(.softmax, [1000, 1000]), [0.5, 0.5]))
        #expect(apply(.sigmoid, [1000, -1000]) == [1, 0])
        #expect(apply(.tanh, [1000, -1000]) == [1, -1])
        #expect(apply(.elu(), [-1000]) == [-1])
    }

    @Test func floatMatchesDouble() {
        let input = Matrix<Float>(rows: 1, columns: 4, elements: Self.z.map(Float.init))
        let output = Matrix<Float>(rows: 1, columns: 4)
        Activation.sigmoid.apply(input, into: output)
        #expect(allClose(output.elements.map(Double.init), [0.11920292202211755, 0.3775406687981454, 0.5, 0.8175744761936437], absolute: 1e-7, relative: 1e-6))
    }

    @Test func names() {
        #expect(Activation.registry.map(\.name)
            == ["identity", "sigmoid", "tanh", "relu", "leaky-relu", "elu", "gelu", "silu", "selu", "softmax"])
        #expect(Activation.leakyReLU(alpha: 0.1).displayName == "leaky-relu(0.1)")
        #expect(HiddenActivation.names.allSatisfy { HiddenActivation(name: $0) != nil })
        #expect(HiddenActivation(name: "swish") == .function(.silu))
        #expect(HiddenActivation(name: "mish") == nil)
    }

    // MARK: - Layers with parameters

    @Test func denseComputesXWTransposePlusBias() throws {
        let layer = Dense<Double>(inputCount: 2, outputCount: 2, activation: .relu)
        layer.weight.value.assign(Matrix([[1, 2], [3, -1]]))
        layer.bias!.value.assign(Matrix([[0.5, -0.5]]))
        let output = try layer.forward(Matrix([[1, -1], [2, 1]]), mode: .inference)
        // row 0: z = [1 − 2 + 0.5, 3 + 1 − 0.5] = [−0.5, 3.5]; row 1: [2 + 2 + 0.5, 6 − 1 − 0.5] = [4.5, 4.5]
        #expect(output.elements == [0, 3.5, 4.5, 4.5])
        #expect(layer.description == "Dense(2 → 2, relu)")
        #expect(layer.parameterCount == 6)
    }

    @Test func preluUsesOneSlopePerUnit() throws {
        let layer = PReLU<Double>(unitCount: 2)
        #expect(layer.alpha.value.elements == [0.25, 0.25])
        layer.alpha.value.assign(Matrix([[0.25, 0.5]]))
        let output = try layer.forward(Matrix([[-2, -2], [3, -0.5]]), mode: .inference)
        #expect(output.elements == [-0.5, -1, 3, -0.25])
        #expect(!layer.alpha.isRegularized)
    }

    @Test func maxoutTakesTheLargestPiece() throws {
        let layer = Maxout<Double>(inputCount: 2, outputCount: 1, pieces: 3)
        layer.weight.value.assign(Matrix([[1, 0], [0, 1], [-1, -1]]))
        layer.bias.value.assign(Matrix([[0, 0, 0.5]]))
        // pieces for [2, −3]: 2, −3, 1.5 → 2; for [−1, −1]: −1, −1, 2.5 → 2.5
        let output = try layer.forward(Matrix([[2, -3], [-1, -1]]), mode: .inference)
        #expect(output.elements == [2, 2.5])
        #expect(layer.parameterCount == 9)
    }
}
