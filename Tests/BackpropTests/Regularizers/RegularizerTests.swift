import Testing
import Backprop
@testable import BackpropCore

@Suite("Regularizers")
struct RegularizerTests {
    private func network(seed: UInt64) throws -> (Sequential<Double>, Matrix<Double>, Matrix<Double>) {
        let network = try Sequential<Double>.mlp([3, 5, 4, 2], hiddenActivation: .function(.tanh))
        randomizeParameters(network, seed: seed)
        let inputs: Matrix<Double> = randomMatrix(6, 3, seed: seed + 1)
        let targets = try Matrix<Double>.oneHot(labels: [0, 1, 1, 0, 1, 0], classCount: 2)
        return (network, inputs, targets)
    }

    @Test("L1 penalty and gradient by hand, with sgn(0) = 0")
    func l1ByHand() {
        // λ = 2, n = 4: R = 0.5·(1 + 2 + 0 + 0.5) = 1.75; gradient 0.5·sgn = [0.5, −0.5, 0, 0.5].
        let weights = Matrix<Double>(rows: 2, columns: 2, elements: [1, -2, 0, 0.5])
        let gradient = Matrix<Double>(rows: 2, columns: 2, elements: [1, 1, 1, 1])
        let l1 = L1<Double>(lambda: 2)
        #expect(isClose(l1.penalty(weights, exampleCount: 4), 1.75))
        l1.addGradient(of: weights, to: gradient, exampleCount: 4)
        #expect(gradient.elements == [1.5, 0.5, 1, 1.5])
    }

    @Test("Elastic net equals L1 plus L2 in value and gradient")
    func elasticNetByHand() {
        // λ1 = 2, λ2 = 3, n = 4: R = (2/4)·3.5 + (3/8)·(1 + 4 + 0 + 0.25) = 1.75 + 1.96875 = 3.71875.
        let weights = Matrix<Double>(rows: 2, columns: 2, elements: [1, -2, 0, 0.5])
        let net = ElasticNet<Double>(l1: 2, l2: 3)
        #expect(isClose(net.penalty(weights, exampleCount: 4), 3.71875))
        let combined = Matrix<Double>(rows: 2, columns: 2), separate = Matrix<Double>(rows: 2, columns: 2)
        net.addGradient(of: weights, to: combined, exampleCount: 4)
        L1<Double>(lambda: 2).addGradient(of: weights, to: separate, exampleCount: 4)
        L2<Double>(lambda: 3).addGradient(of: weights, to: separate, exampleCount: 4)
        #expect(allClose(combined.elements, separate.elements))
        // (λ1/n)·sgn + (λ2/n)·w = [0.5 + 0.75, −0.5 − 1.5, 0, 0.5 + 0.375]
        #expect(allClose(combined.elements, [1.25, -2, 0, 0.875]))
    }

    @Test("Gradient check passes with L1 (weights away from 0) and with elastic net")
    func gradientChecks() throws {
        let (network, inputs, targets) = try network(seed: 21)
        let smallest = network.parameters.filter(\.isRegularized).flatMap(\.value.elements).map(abs).min()!
        #expect(smallest > 1e-4)  // the kink of |w| is far from every weight
        for regularizer: any Regularizer<Double> in [L1(lambda: 0.8), ElasticNet(l1: 0.8, l2: 0.6)] {
            let report = try GradientCheck.run(network: network, loss: SoftmaxCrossEntropy(), inputs: inputs, targets: targets,
                                               epsilon: 1e-6, regularizer: regularizer, exampleCount: 10)
            #expect(report.maxRelativeError < 1e-7, "\(regularizer): \(report.tensors)")
        }
        // A wrong penalty gradient is caught: L1 gradient with the penalty of twice the strength.
        struct Mismatched: Regularizer {
            func penalty(_ weights: Matrix<Double>, exampleCount: Int) -> Double { L1<Double>(lambda: 1.6).penalty(weights, exampleCount: exampleCount) }
            func addGradient(of weights: Matrix<Double>, to gradient: Matrix<Double>, exampleCount: Int) {
                L1<Double>(lambda: 0.8).addGradient(of: weights, to: gradient, exampleCount: exampleCount)
            }
            var description: String { "mismatched" }
        }
        let bad = try GradientCheck.run(network: network, loss: SoftmaxCrossEntropy(), inputs: inputs, targets: targets,
                                        epsilon: 1e-6, regularizer: Mismatched(), exampleCount: 10)
        #expect(!bad.passed)
    }

    @Test("A plan assigns penalties per layer, never to biases")
    func plan() throws {
        let (network, _, _) = try network(seed: 4)
        // Layers 0, 1, 2 are Dense; layer 1 gets L1, layer 2 is excluded, layer 0 keeps the global L2.
        let plan = RegularizationPlan<Double>(L2(lambda: 2), perLayer: [1: L1(lambda: 3)], excludedLayers: [2])
        let assignments = plan.assignments(in: network)
        #expect(assignments.map(\.name) == ["layers.0.weight", "layers.1.weight"])
        let w0 = network.layers[0].parameters[0].value, w1 = network.layers[1].parameters[0].value
        let expected = L2<Double>(lambda: 2).penalty(w0, exampleCount: 8) + L1<Double>(lambda: 3).penalty(w1, exampleCount: 8)
        #expect(isClose(plan.penalty(of: network, exampleCount: 8), expected))

        for parameter in network.parameters { parameter.gradient.fill(0) }
        plan.addGradients(to: network, exampleCount: 8)
        #expect(allClose(network.layers[0].parameters[0].gradient.elements, w0.elements.map { 2.0 / 8 * $0 }))
        #expect(allClose(network.layers[1].parameters[0].gradient.elements, w1.elements.map { $0 > 0 ? 3.0 / 8 : -3.0 / 8 }))
        for parameter in network.parameters where !parameter.isRegularized || parameter === network.layers[2].parameters[0] {
            #expect(parameter.gradient.elements.allSatisfy { $0 == 0 }, "\(parameter.name)")
        }

        #expect(try RegularizationPlan<Double>(l1: 0, l2: 0).global == nil)
        #expect(try RegularizationPlan<Double>(l1: 1, l2: 0).global is L1<Double>)
        #expect(try RegularizationPlan<Double>(l1: 0, l2: 1).global is L2<Double>)
        #expect(try RegularizationPlan<Double>(l1: 1, l2: 1).global is ElasticNet<Double>)
        #expect(throws: NetworkError.self) { try RegularizationPlan<Double>(l1: -1, l2: 0) }
    }

    @Test("Max-norm clamps each row of a weight to ‖w‖₂ ≤ c and leaves short rows and biases alone")
    func maxNorm() {
        // Row (3, 4) has norm 5 → scaled by 2/5 to (1.2, 1.6); row (0.6, 0.8) has norm 1 ≤ 2.
        let weight = Parameter(name: "weight", value: Matrix<Double>(rows: 2, columns: 2, elements: [3, 4, 0.6, 0.8]), isRegularized: true)
        let bias = Parameter(name: "bias", value: Matrix<Double>(rows: 1, columns: 2, elements: [30, 40]), isRegularized: false)
        MaxNormConstraint(maxNorm: 2).apply(to: [weight, bias])
        #expect(allClose(weight.value.elements, [1.2, 1.6, 0.6, 0.8]))
        #expect(bias.value.elements == [30, 40])

        // After an update and the constraint, each row stays within the ball.
        let parameter = Parameter(name: "weight", value: Matrix<Double>(rows: 3, columns: 4), isRegularized: true)
        let optimizer = GradientDescent<Double>(), constraint: any ParameterConstraint = MaxNormConstraint(maxNorm: 1.5)
        var random = RandomGenerator(seed: 9)
        for _ in 0..<5 {
            for i in 0..<parameter.gradient.count { parameter.gradient.base[i] = random.normal(standardDeviation: 3) }
            optimizer.update([parameter], learningRate: 1)
            constraint.apply(to: [parameter])
            for row in 0..<3 {
                #expect(parameter.value.row(row).reduce(0) { $0 + $1 * $1 }.squareRoot() <= 1.5 * (1 + 1e-12))
            }
        }
    }
}
