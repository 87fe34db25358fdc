import Foundation
import Testing
import Backprop
@testable import BackpropCore

/// Adversarial training (fast gradient sign method): the input gradient it follows, the
/// perturbed batch it builds and the weighted gradient it leaves, against values computed
/// pass by pass.
@Suite("Adversarial training")
struct AdversarialTrainingTests {
    static let features: Matrix<Double> = randomMatrix(6, 4, seed: 3)
    static let targets = Matrix<Double>(rows: 6, columns: 3, elements: (0..<18).map { $0 % 3 == ($0 / 3) % 3 ? 1 : 0 })

    /// A 4-5-5-3 tanh network with the same weights every call.
    static func network() throws -> Sequential<Double> {
        let network = try Sequential<Double>.mlp([4, 5, 5, 3], hiddenActivation: .function(.tanh))
        randomizeParameters(network, seed: 11)
        return network
    }

    static func cost(of network: Sequential<Double>, on features: Matrix<Double>) throws -> Double {
        let logits = try network.forward(features, mode: .training)
        return SoftmaxCrossEntropy<Double>().cost(logits: logits, targets: targets, gradient: Matrix(rows: logits.rows, columns: logits.columns))
    }

    @Test func inputGradientMatchesCentralDifferences() throws {
        let network = try Self.network()
        let logits = try network.forward(Self.features, mode: .training)
        let outputGradient = Matrix<Double>(rows: logits.rows, columns: logits.columns)
        _ = SoftmaxCrossEntropy<Double>().cost(logits: logits, targets: Self.targets, gradient: outputGradient)
        let analytic = network.inputGradient(backPropagating: outputGradient).elements
        let h = 1e-6
        for index in 0..<Self.features.count {
            let moved = Self.features.copy()
            moved.base[index] += h
            let up = try Self.cost(of: network, on: moved)
            moved.base[index] -= 2 * h
            let down = try Self.cost(of: network, on: moved)
            let numeric = (up - down) / (2 * h)
            #expect(abs(numeric - analytic[index]) <= 1e-8 + 1e-6 * abs(numeric), "∂J/∂x[\(index)]: \(analytic[index]) vs \(numeric)")
        }
    }

    @Test("The step's gradient is w·∇J(X) + (1 − w)·∇J(X + ε·sign ∇ₓJ)", arguments: [0.5, 0.2, 0.0])
    func stepGradientIsTheWeightedSumOfTheTwoPasses(cleanWeight: Double) throws {
        let epsilon = 0.15
        let cleanLogits = try Self.network().forward(Self.features, mode: .training).elements
        // Pass by pass, on one copy of the network.
        let reference = try Self.network()
        let logits = try reference.forward(Self.features, mode: .training)
        let outputGradient = Matrix<Double>(rows: logits.rows, columns: logits.columns)
        let cleanCost = SoftmaxCrossEntropy<Double>().cost(logits: logits, targets: Self.targets, gradient: outputGradient)
        let inputGradient = reference.inputGradient(backPropagating: outputGradient).elements
        let cleanGradients = reference.parameters.map(\.gradient.elements)
        let perturbed = Matrix(rows: 6, columns: 4, elements: zip(Self.features.elements, inputGradient).map { x, g in
            x + (g > 0 ? epsilon : g < 0 ? -epsilon : 0)
        })
        #expect(inputGradient.allSatisfy { $0 != 0 }, "every feature moves")
        let perturbedLogits = try reference.forward(perturbed, mode: .training)
        let perturbedCost = SoftmaxCrossEntropy<Double>().cost(logits: perturbedLogits, targets: Self.targets, gradient: outputGradient)
        reference.backward(outputGradient)
        let perturbedGradients = reference.parameters.map(\.gradient.elements)
        #expect(perturbedCost > cleanCost, "the perturbation raises the cost")

        // One adversarial step on another copy.
        let network = try Self.network()
        let step = TrainingStep(network: network, loss: SoftmaxCrossEntropy<Double>(), optimizer: GradientDescent<Double>(),
                                penaltyExampleCount: 6, batchCapacity: 8)
        step.adversarial = AdversarialTraining(epsilon: epsilon, cleanWeight: cleanWeight)
        let cost = try step.computeGradients(features: Self.features, targets: Self.targets)
        #expect(abs(cost - (cleanWeight * cleanCost + (1 - cleanWeight) * perturbedCost)) < 1e-14)
        for (index, parameter) in network.parameters.enumerated() {
            let expected = zip(cleanGradients[index], perturbedGradients[index]).map { cleanWeight * $0 + (1 - cleanWeight) * $1 }
            #expect(allClose(parameter.gradient.elements, expected, absolute: 1e-15, relative: 1e-13), "\(parameter.name)")
        }
        // The fit loop counts correct predictions on the clean pass.
        #expect(step.logits?.elements == cleanLogits)
    }

    @Test func aCleanWeightOfOneTrainsExactlyAsWithout() throws {
        func train(_ adversarial: AdversarialTraining?) throws -> (weights: [Double], costs: [Double]) {
            let network = try Self.network()
            let data = try Dataset(features: randomMatrix(30, 4, seed: 5) as Matrix<Double>, labels: (0..<30).map { $0 % 3 }, classCount: 3)
            let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy(), optimizer: Adam<Double>(),
                                  schedule: ConstantSchedule(0.01),
                                  options: TrainingOptions(epochs: 3, batchSize: 7, seed: 2, adversarialTraining: adversarial))
            let history = try trainer.fit(data)
            return (network.parameters.flatMap(\.value.elements), history.batchCosts)
        }
        let plain = try train(nil)
        let weightedOut = try train(AdversarialTraining(epsilon: 0.3, cleanWeight: 1))
        let adversarial = try train(AdversarialTraining(epsilon: 0.3))
        #expect(weightedOut.weights == plain.weights && weightedOut.costs == plain.costs)
        #expect(!allClose(adversarial.weights, plain.weights, absolute: 1e-6, relative: 1e-6), "the comparison can fail")
        #expect(adversarial.costs[0] > plain.costs[0], "the first step's cost includes the perturbed batch")
    }

    @Test func settingsOutsideTheirRangesAreRefused() throws {
        for (settings, phrase) in [(AdversarialTraining(epsilon: 0), "ε must be positive"),
                                   (AdversarialTraining(epsilon: .infinity), "ε must be positive"),
                                   (AdversarialTraining(epsilon: 0.1, cleanWeight: 1.5), "must lie in [0, 1], got 1.5")] {
            let error = #expect(throws: TrainingError.self) { try TrainingOptions(adversarialTraining: settings).validate() }
            #expect(error?.message.contains(phrase) == true, "\(String(describing: error?.message))")
        }
    }
}
