import Testing
import Backprop
@testable import BackpropCore

@Suite("Initializers")
struct InitializerTests {
    /// Sample mean and population variance of every element.
    private func moments(_ matrix: Matrix<Double>) -> (mean: Double, variance: Double) {
        let values = matrix.elements
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        return (mean, variance)
    }

    /// (scheme, expected variance for n_out = 300, n_in = 200).
    static let table: [(Initializer, Double)] = [
        (.smallRandom(standardDeviation: 0.01), 0.0001),
        (.lecunNormal, 1.0 / 200), (.lecunUniform, 1.0 / 200),
        (.xavierNormal, 2.0 / 500), (.xavierUniform, 2.0 / 500),
        (.xavierSigmoidNormal, 32.0 / 500), (.xavierSigmoidUniform, 32.0 / 500),
        (.heNormal, 2.0 / 200), (.heUniform, 2.0 / 200),
    ]

    @Test("Drawn variances match the table of the Initialization article", arguments: table)
    func variances(scheme: Initializer, expected: Double) {
        let weights = Matrix<Double>(rows: 300, columns: 200)
        var random = RandomGenerator(seed: 11)
        scheme.fill(weights, random: &random)
        let (mean, variance) = moments(weights)
        // 60,000 draws: the sample variance has a relative standard error ≤ √(2/60000) ≈ 0.6%.
        #expect(isClose(variance, expected, absolute: 0, relative: 0.03), "\(scheme): variance \(variance), expected \(expected)")
        #expect(abs(mean) < 4 * expected.squareRoot() / 245, "\(scheme): mean \(mean)")
    }

    @Test("Uniform schemes stay inside their bounds and reach near them")
    func uniformBounds() throws {
        let cases: [(Initializer, Double)] = [
            (.lecunUniform, (3.0 / 200).squareRoot()), (.xavierUniform, (6.0 / 500).squareRoot()),
            (.xavierSigmoidUniform, 4 * (6.0 / 500).squareRoot()), (.heUniform, (6.0 / 200).squareRoot()),
        ]
        for (scheme, bound) in cases {
            #expect(isClose(try #require(scheme.uniformBound(inputCount: 200, outputCount: 300)), bound))
            let weights = Matrix<Double>(rows: 300, columns: 200)
            var random = RandomGenerator(seed: 5)
            scheme.fill(weights, random: &random)
            let values = weights.elements
            #expect(values.allSatisfy { $0 >= -bound && $0 < bound }, "\(scheme)")
            #expect(values.max()! > 0.99 * bound && values.min()! < -0.99 * bound, "\(scheme)")
        }
    }

    @Test("Orthogonal weights: WᵀW = gain²·I when tall, WWᵀ = gain²·I when wide")
    func orthogonal() {
        for (rows, columns) in [(40, 25), (25, 40), (30, 30)] {
            let weights = Matrix<Double>(rows: rows, columns: columns)
            var random = RandomGenerator(seed: 3)
            Initializer.orthogonal(gain: 2).fill(weights, random: &random)
            let size = min(rows, columns)
            let product = Matrix<Double>(rows: size, columns: size)
            GEMM.multiply(weights, weights, into: product, transposeA: rows >= columns, transposeB: rows < columns, engine: .default)
            for i in 0..<size {
                for j in 0..<size {
                    #expect(isClose(product[i, j], i == j ? 4 : 0, absolute: 1e-12), "\(rows)×\(columns) [\(i), \(j)] = \(product[i, j])")
                }
            }
        }
    }

    @Test("LSUV gives unit pre-activation variance on the batch, layer by layer")
    func lsuv() throws {
        let network = try Sequential<Double>.mlp([20, 30, 30, 5], hiddenActivation: .function(.tanh))
        let data: Matrix<Double> = randomMatrix(64, 20, seed: 8, scale: 3)
        var random = RandomGenerator(seed: 1)
        let report = try network.initializeParameters(.lsuv(tolerance: 1e-3, maxIterations: 10), random: &random, data: data)
        #expect(report.count == 3)
        var input = data
        for layer in network.layers {
            let dense = try #require(layer as? Dense<Double>)
            let z = Matrix<Double>(rows: input.rows, columns: dense.outputCount)
            GEMM.multiply(input, dense.weight.value, into: z, transposeB: true, engine: .default)
            let (_, variance) = moments(z)
            #expect(abs(variance - 1) < 1e-3, "\(dense): variance \(variance)")
            input = try dense.forward(input, mode: .inference)
        }
        for entry in report {
            #expect(try #require(entry.lsuvIterations) >= 1)
            #expect(abs(try #require(entry.finalVariance) - 1) < 1e-3)
        }
        // Without data, LSUV is refused with an explanation.
        #expect(throws: NetworkError.self) { try network.initializeParameters(.lsuv(), random: &random) }
    }

    @Test("Zeros and constants are refused for hidden weights unless forced; allowed for the output layer")
    func symmetricRefused() throws {
        let network = try Sequential<Double>.mlp([4, 3, 2])
        var random = RandomGenerator(seed: 1)
        do {
            try network.initializeParameters(.zeros, random: &random)
            Issue.record("zeros was accepted for a hidden layer")
        } catch let NetworkError.unusable(what, reason) {
            #expect(what.hasPrefix("layers.0") && reason.contains("symmetry"))
        }
        #expect(throws: NetworkError.self) { try network.initializeParameters(.constant(0.5), random: &random) }
        try network.initializeParameters(.constant(0.5), random: &random, force: true)
        #expect(network.parameters[0].value.elements.allSatisfy { $0 == 0.5 })
        try network.initializeParameters(.heNormal, overrides: [1: .zeros], random: &random)
        #expect(network.parameters[2].value.elements.allSatisfy { $0 == 0 })
        #expect(throws: NetworkError.self) { try network.initializeParameters(overrides: [5: .heNormal], random: &random) }
    }

    @Test("Same seed, same weights; biases start at zero; per-layer overrides apply")
    func determinismAndOverrides() throws {
        func build(seed: UInt64) throws -> Sequential<Float> {
            let network = try Sequential<Float>.mlp([6, 8, 8, 3], hiddenActivation: .function(.relu))
            for parameter in network.parameters { parameter.value.fill(7) }
            var random = RandomGenerator(seed: seed)
            try network.initializeParameters(overrides: [1: .orthogonal()], random: &random)
            return network
        }
        let first = try build(seed: 42), second = try build(seed: 42), other = try build(seed: 43)
        for (a, b) in zip(first.parameters, second.parameters) { #expect(a.value.elements == b.value.elements) }
        #expect(first.parameters[0].value.elements != other.parameters[0].value.elements)
        for parameter in first.parameters where parameter.name == "bias" {
            #expect(parameter.value.elements.allSatisfy { $0 == 0 })
        }
        let orthogonal = first.parameters[2].value  // layers.1.weight, 8×8
        let product = Matrix<Float>(rows: 8, columns: 8)
        GEMM.multiply(orthogonal, orthogonal, into: product, transposeA: true, engine: .default)
        #expect(allClose(product.elements, Matrix<Float>(rows: 8, columns: 8).elements.enumerated().map { $0.offset % 9 == 0 ? 1 : 0 }, absolute: 1e-5))
    }

    @Test("Defaults follow the activation")
    func defaults() throws {
        #expect(Initializer.default(for: .function(.relu)) == .heNormal)
        #expect(Initializer.default(for: .function(.leakyReLU())) == .heNormal)
        #expect(Initializer.default(for: .function(.elu())) == .heNormal)
        #expect(Initializer.default(for: .prelu()) == .heNormal)
        #expect(Initializer.default(for: .maxout()) == .heNormal)
        #expect(Initializer.default(for: .function(.tanh)) == .xavierNormal)
        #expect(Initializer.default(for: .function(.sigmoid)) == .xavierSigmoidNormal)
        #expect(Initializer.default(for: .function(.identity)) == .xavierNormal)
        let network = try Sequential<Double>.mlp([3, 4, 4, 2], hiddenActivation: .prelu())
        var random = RandomGenerator(seed: 1)
        let report = try network.initializeParameters(random: &random)
        #expect(report.map(\.initializer) == [.heNormal, .heNormal, .xavierNormal])
        #expect(report.map(\.layerIndex) == [0, 2, 4])
    }

    @Test("Flag names parse, with options")
    func parsing() throws {
        for name in Initializer.names where name != "constant" {
            #expect(try Initializer(parsing: name).name == name)
        }
        #expect(try Initializer(parsing: "constant:value=0.5") == .constant(0.5))
        #expect(try Initializer(parsing: "small:std=0.1") == .smallRandom(standardDeviation: 0.1))
        #expect(try Initializer(parsing: "orthogonal:gain=1.5") == .orthogonal(gain: 1.5))
        #expect(try Initializer(parsing: "LSUV:tolerance=0.01,iterations=3") == .lsuv(tolerance: 0.01, maxIterations: 3))
        #expect(throws: NetworkError.self) { try Initializer(parsing: "glorot") }
        #expect(throws: NetworkError.self) { try Initializer(parsing: "he:gain=2") }
        #expect(throws: NetworkError.self) { try Initializer(parsing: "orthogonal:gain") }
    }
}
