import Testing
import Backprop
@testable import BackpropCore

@Suite("Reference runs")
struct ReferenceRunTests {
    /// One reference two-moons run: 300 points (noise 0.2), [2, 5, 2, 2] ReLU with softmax
    /// cross-entropy, He initialisation, momentum α = 0.1 β = 0.9, batch 64, 1000 epochs.
    static func twoMoonsAccuracy(seed: UInt64) throws -> Double {
        let data: Dataset<Float> = try moons(300, noise: 0.2, seed: 0)
        let network = try Sequential<Float>.mlp([2, 5, 2, 2], hiddenActivation: .function(.relu))
        initializeForTests(network, seed: seed, gain: 2)
        let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy(), optimizer: TestMomentum(beta: 0.9),
                              schedule: ConstantSchedule(0.1),
                              options: TrainingOptions(epochs: 1000, batchSize: 64, seed: seed, evaluatesTrainingSet: false))
        try trainer.fit(data)
        return try #require(try Evaluator<Float>().evaluate(network, loss: SoftmaxCrossEntropy(), on: data).accuracy)
    }

    /// The reference (≈ 0.94): at least 0.93 train accuracy. The two-unit ReLU layer can
    /// die for an unlucky initialisation, so besides seed 1 the test asks that at least 5 of
    /// 6 seeds reach it (over seeds 1…12, 10 do; seed 10 loses the layer to dead units).
    @Test func twoMoonsReachesTheReferenceAccuracy() throws {
        let accuracies = try (UInt64(1)...6).map { try Self.twoMoonsAccuracy(seed: $0) }
        print("two moons [2, 5, 2, 2] accuracies over seeds 1…6: \(accuracies)")
        #expect(accuracies[0] >= 0.93)
        #expect(accuracies.filter { $0 >= 0.93 }.count >= 5)
    }

    /// Batch normalisation lets a deep sigmoid network learn at a learning rate
    /// where the same network without it stalls. Six sigmoid hidden layers of 16 units,
    /// LeCun initialisation N(0, 1/n_in), plain gradient descent α = 0.5, batch 32, 60 epochs
    /// on two moons; everything else identical.
    @Test func batchNormTrainsADeepSigmoidNetworkThatStallsWithout() throws {
        let data: Dataset<Double> = try moons(400, noise: 0.2, seed: 4)
        func run(_ placement: BatchNormPlacement?) throws -> Evaluation {
            let blueprint = NetworkBlueprint(sizes: [2, 16, 16, 16, 16, 16, 16, 2], hiddenActivation: .function(.sigmoid),
                                             batchNormalization: placement)
            let network: Sequential<Double> = try blueprint.build()
            initializeForTests(network, seed: 11, gain: 1)
            let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy(), optimizer: TestSGD(), schedule: ConstantSchedule(0.5),
                                  options: TrainingOptions(epochs: 60, batchSize: 32, seed: 5, evaluatesTrainingSet: false))
            try trainer.fit(data)
            return try Evaluator<Double>().evaluate(network, loss: SoftmaxCrossEntropy(), on: data)
        }
        let plain = try run(nil)
        let normalized = try run(.beforeActivation)
        print("deep sigmoid: without BN cost \(plain.cost) accuracy \(plain.accuracy!); with BN cost \(normalized.cost) accuracy \(normalized.accuracy!)")
        #expect(try #require(normalized.accuracy) >= 0.85)
        #expect(try #require(plain.accuracy) <= 0.75)
        #expect(normalized.cost < plain.cost / 2)
    }
}
