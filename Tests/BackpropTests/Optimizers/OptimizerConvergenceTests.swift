import Testing
import Backprop
@testable import BackpropCore

@Suite("Optimizer convergence")
struct OptimizerConvergenceTests {
    /// Learning rates suited to each rule on this problem.
    static let cases: [(OptimizerName, Double)] = [
        (.sgd, 0.5), (.momentum, 0.5), (.classicalMomentum, 0.05), (.nesterov, 0.05),
        (.rmsprop, 0.01), (.adam, 0.01), (.adamw, 0.01),
    ]

    @Test("Every optimiser trains a small network on two moons (full batch, 300 updates)", arguments: cases)
    func trainsTwoMoons(name: OptimizerName, learningRate: Double) throws {
        let data = try Dataset<Float>.twoMoons(count: 200, noise: 0.1, seed: 3)
        let network = try Sequential<Float>.mlp([2, 16, 2], hiddenActivation: .function(.tanh))
        var random = RandomGenerator(seed: 1)
        try network.initializeParameters(random: &random)
        let optimizer: any Optimizer<Float> = try OptimizerConfiguration(name: name).makeOptimizer()
        let loss = SoftmaxCrossEntropy<Float>()
        let gradient = Matrix<Float>(rows: data.count, columns: 2)
        let parameters = network.parameters
        var costs: [Float] = []
        for _ in 0..<300 {
            let logits = try network.forward(data.features, mode: .training)
            costs.append(loss.cost(logits: logits, targets: data.targets, gradient: gradient))
            network.backward(gradient)
            optimizer.update(parameters, learningRate: Float(learningRate))
        }
        // ln 2 ≈ 0.69 at chance; a linear boundary already reaches about 0.3.
        #expect(costs[0] > 0.5)
        #expect(costs[299] < 0.35, "\(name): \(costs[0]) → \(costs[299])")
    }
}
