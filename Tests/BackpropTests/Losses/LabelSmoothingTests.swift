import Foundation
import Testing
import Backprop
@testable import BackpropCore

/// Label smoothing (`--label-smoothing ε`): costs and gradients against values computed by
/// hand, the closed form `∂C/∂z = (p − t)/m` of softmax cross-entropy, central differences,
/// and the refusals for the quadratic cost and regression.
@Suite("Label smoothing")
struct LabelSmoothingTests {
    static let logits = Matrix<Double>([[1, -0.5, 2], [0.3, 0.3, -1.2]])

    @Test func softmaxCrossEntropyUsesTheSmoothedTarget() throws {
        // t = 0.9·y + 0.1/3; C = −½ Σ t ln p and (p − t)/2, evaluated in Python.
        let targets = try Matrix<Double>.oneHot(labels: [0, 2], classCount: 3)
        let gradient = Matrix<Double>(rows: 2, columns: 3)
        let cost = SoftmaxCrossEntropy<Double>(labelSmoothing: 0.1).cost(logits: Self.logits, targets: targets, gradient: gradient)
        #expect(isClose(cost, 1.7935609416805376))
        #expect(allClose(gradient.elements, [-0.339808575849154, 0.011639199453568977, 0.32816937639558513,
                                             0.2082414421624704, 0.2082414421624704, -0.41648288432494085]))
    }

    @Test("Softmax cross-entropy gradient is p − t", arguments: [0.0, 0.05, 0.2, 0.9])
    func softmaxGradientClosedForm(epsilon: Double) throws {
        let logits: Matrix<Double> = randomMatrix(6, 5, seed: 12, scale: 2)
        let labels = [0, 4, 2, 2, 1, 3]
        let targets = try Matrix<Double>.oneHot(labels: labels, classCount: 5)
        let loss = SoftmaxCrossEntropy<Double>(labelSmoothing: epsilon)
        let gradient = Matrix<Double>(rows: 6, columns: 5)
        _ = loss.cost(logits: logits, targets: targets, gradient: gradient)
        let probabilities = Matrix<Double>(rows: 6, columns: 5)
        loss.predictions(logits: logits, into: probabilities)
        let expected = (0..<30).map { i in (probabilities.elements[i] - ((1 - epsilon) * targets.elements[i] + epsilon / 5)) / 6 }
        #expect(allClose(gradient.elements, expected, absolute: 1e-15))
        #expect(logitGradientError(loss, logits: logits, targets: targets) < 1e-7)
        // The integer-label form gives the same cost and gradient.
        let labelGradient = Matrix<Double>(rows: 6, columns: 5)
        let labelCost = try loss.cost(logits: logits, labels: labels, gradient: labelGradient)
        #expect(isClose(labelCost, loss.cost(logits: logits, targets: targets, gradient: nil)))
        #expect(allClose(labelGradient.elements, expected, absolute: 1e-15))
    }

    @Test func binaryCrossEntropySmoothsTowardsOneHalf() throws {
        // t = 0.9·y + 0.05
        let logits = Matrix<Double>([[0.7, -1.3]]), targets = Matrix<Double>([[1, 0]])
        let loss = BinaryCrossEntropy<Double>(labelSmoothing: 0.1)
        let gradient = Matrix<Double>(rows: 1, columns: 2)
        #expect(isClose(loss.cost(logits: logits, targets: targets, gradient: gradient), 0.74419450271845))
        #expect(allClose(gradient.elements, [-0.2818122278318339, 0.1641650169574414]))
        let many: Matrix<Double> = randomMatrix(4, 3, seed: 13, scale: 2)
        #expect(logitGradientError(loss, logits: many, targets: Matrix([[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 0]])) < 1e-7)
    }

    @Test func gradientCheckThroughANetwork() throws {
        let network = try Sequential<Double>([Dense(inputCount: 3, outputCount: 4, activation: .gelu), Dense(inputCount: 4, outputCount: 3)])
        randomizeParameters(network, seed: 14)
        let targets = try Matrix<Double>.oneHot(labels: [0, 2, 1, 1], classCount: 3)
        let report = try GradientCheck.run(network: network, loss: SoftmaxCrossEntropy(labelSmoothing: 0.15),
                                           inputs: randomMatrix(4, 3, seed: 15), targets: targets)
        #expect(report.maxRelativeError < 1e-7, "\(report.tensors)")
    }

    @Test func refusedForTheQuadraticCostAndRegression() throws {
        #expect(throws: NetworkError.self) { try LossKind.quadratic.makeLoss(regression: false, output: nil, labelSmoothing: 0.1, scalar: Double.self) }
        #expect(throws: NetworkError.self) { try LossKind.softmaxCrossEntropy.makeLoss(regression: false, output: nil, labelSmoothing: 1, scalar: Double.self) }
        for text in ["loss: mse\nlabel-smoothing: 0.1\n", "regression: true\nlabel-smoothing: 0.1\n"] {
            let config = try RunConfiguration.parse(text, format: .yaml, file: "run.yaml")
            let error = try #require(throws: ConfigError.self) { try TrainingRecipe(configuration: config) }
            #expect("\(error)".contains("run.yaml:2") && "\(error)".contains("label-smoothing"), "\(error)")
            #expect("\(error)".contains("softmax-ce and binary-ce only"), "\(error)")
        }
        let outOfRange = try RunConfiguration.parse("label-smoothing: 1\n", format: .yaml, file: "run.yaml")
        #expect(throws: ConfigError.self) { try TrainingRecipe(configuration: outOfRange) }
    }

    @Test func recipeRecordsItAndTheTrainCostUsesIt() throws {
        let text = "data: \"blobs:n=200,classes=3\"\nlayers: [2, 8, 3]\nepochs: 2\nlabel-smoothing: 0.2\n"
        let recipe = try TrainingRecipe(configuration: RunConfiguration.parse(text, format: .yaml, file: "run.yaml"))
        #expect(recipe.labelSmoothing == 0.2)
        let decoded = try JSONDecoder().decode(TrainingRecipe.self, from: JSONEncoder().encode(recipe))
        #expect(decoded.labelSmoothing == 0.2)
        let run = try TrainingRun(recipe: recipe)
        let loss = try #require(run.trainer.loss as? SoftmaxCrossEntropy<Float>)
        #expect(loss.labelSmoothing == 0.2)
        // Without smoothing the recipe leaves the field out, so older model files decode alike.
        let plain = try TrainingRecipe(configuration: RunConfiguration.parse("label-smoothing: 0\n", format: .yaml, file: "run.yaml"))
        #expect(plain.labelSmoothing == nil)
        #expect(!String(decoding: try JSONEncoder().encode(plain), as: UTF8.self).contains("labelSmoothing"))
    }
}
