import Testing
import Backprop
@testable import BackpropCore

@Suite("Losses")
struct LossTests {
    // MARK: - Values against hand-computed numbers

    @Test func softmaxCrossEntropyValueAndGradient() throws {
        let logits = Matrix<Double>([[1, 2, 3], [1, 2, 3]])
        let targets = try Matrix<Double>.oneHot(labels: [2, 0], classCount: 3)
        let gradient = Matrix<Double>(rows: 2, columns: 3)
        let cost = SoftmaxCrossEntropy<Double>().cost(logits: logits, targets: targets, gradient: gradient)
        // −ln p₂ = 0.4076059644443803, −ln p₀ = 2.40760596444438; mean of the two
        #expect(isClose(cost, (0.4076059644443803 + 2.40760596444438) / 2))
        let p = [0.09003057317038046, 0.24472847105479767, 0.6652409557748219]
        #expect(allClose(gradient.row(0), [p[0] / 2, p[1] / 2, (p[2] - 1) / 2]))
        #expect(allClose(gradient.row(1), [(p[0] - 1) / 2, p[1] / 2, p[2] / 2]))
    }

    @Test func integerLabelsMatchOneHot() throws {
        let logits: Matrix<Double> = randomMatrix(6, 4, seed: 3, scale: 2)
        let labels = [3, 0, 2, 2, 1, 0]
        let loss = SoftmaxCrossEntropy<Double>()
        let oneHotGradient = Matrix<Double>(rows: 6, columns: 4), labelGradient = Matrix<Double>(rows: 6, columns: 4)
        let expected = loss.cost(logits: logits, targets: try .oneHot(labels: labels, classCount: 4), gradient: oneHotGradient)
        let actual = try loss.cost(logits: logits, labels: labels, gradient: labelGradient)
        #expect(isClose(actual, expected))
        #expect(allClose(labelGradient.elements, oneHotGradient.elements))
        #expect(try isClose(loss.cost(logits: logits, labels: labels, gradient: nil), expected))
    }

    @Test func binaryCrossEntropyValueAndGradient() {
        let logits = Matrix<Double>([[0.5], [-1]])
        let targets = Matrix<Double>([[1], [0]])
        let gradient = Matrix<Double>(rows: 2, columns: 1)
        let cost = BinaryCrossEntropy<Double>().cost(logits: logits, targets: targets, gradient: gradient)
        // −ln σ(0.5) = ln(1 + e^−0.5); −ln(1 − σ(−1)) = ln(1 + e^−1)
        #expect(isClose(cost, (0.4740769841801067 + 0.31326168751822286) / 2))
        #expect(allClose(gradient.elements, [(0.6224593312018546 - 1) / 2, 0.2689414213699951 / 2]))
    }

    @Test func binaryCrossEntropySumsColumns() {
        let logits = Matrix<Double>([[0.5, -1]])
        let cost = BinaryCrossEntropy<Double>().cost(logits: logits, targets: Matrix([[1, 0]]), gradient: nil)
        #expect(isClose(cost, 0.4740769841801067 + 0.31326168751822286))
    }

    @Test func quadraticWithIdentity() {
        let logits = Matrix<Double>([[1, 2], [0, 0]])
        let targets = Matrix<Double>([[0, 4], [0, 0]])
        let gradient = Matrix<Double>(rows: 2, columns: 2)
        let cost = QuadraticCost<Double>().cost(logits: logits, targets: targets, gradient: gradient)
        // (1/2m) Σ‖y − a‖² = (1 + 4) / 4
        #expect(cost == 1.25)
        #expect(gradient.elements == [0.5, -1, 0, 0])
    }

    @Test func quadraticWithSigmoid() {
        let loss = QuadraticCost<Double>(outputActivation: .sigmoid)
        let gradient = Matrix<Double>(rows: 1, columns: 1)
        // a = σ(0) = 1/2: C = (1/2)(1/2 − 1)² = 1/8; ∂C/∂z = (a − y)·σ'(0) = −1/2 · 1/4
        #expect(loss.cost(logits: Matrix([[0]]), targets: Matrix([[1]]), gradient: gradient) == 0.125)
        #expect(gradient.elements == [-0.125])
        let predictions = Matrix<Double>(rows: 1, columns: 1)
        loss.predictions(logits: Matrix([[0]]), into: predictions)
        #expect(predictions.elements == [0.5])
    }

    @Test("Quadratic cost equals its definition", arguments: [Activation.identity, .sigmoid, .tanh, .relu, .leakyReLU(), .elu(), .softmax])
    func quadraticMatchesDefinition(outputActivation: Activation) {
        // (1/2m) Σ‖a − y‖² with a = g(z) from the activation's matrix kernel
        let logits: Matrix<Double> = randomMatrix(4, 3, seed: 14), targets: Matrix<Double> = randomMatrix(4, 3, seed: 15)
        let activations = Matrix<Double>(rows: 4, columns: 3)
        outputActivation.apply(logits, into: activations)
        let expected = zip(activations.elements, targets.elements).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / 8
        let loss = QuadraticCost<Double>(outputActivation: outputActivation)
        let gradient = Matrix<Double>(rows: 4, columns: 3)
        #expect(isClose(loss.cost(logits: logits, targets: targets, gradient: gradient), expected))
        #expect(isClose(loss.cost(logits: logits, targets: targets, gradient: nil), expected))
    }

    @Test func names() {
        #expect(SoftmaxCrossEntropy<Float>().name == "softmax-ce")
        #expect(BinaryCrossEntropy<Float>().name == "binary-ce")
        #expect(QuadraticCost<Float>().name == "mse")
        #expect("\(QuadraticCost<Float>())" == "mse")
    }

    // MARK: - Extreme logits

    @Test func softmaxCrossEntropyWithLogitsOfAThousand() throws {
        let loss = SoftmaxCrossEntropy<Double>()
        let logits = Matrix<Double>([[1000, -1000, 0], [1000, -1000, 0]])
        let gradient = Matrix<Double>(rows: 2, columns: 3)
        let cost = loss.cost(logits: logits, targets: try .oneHot(labels: [1, 0], classCount: 3), gradient: gradient)
        // row 0: −ln softmax₁ = 2000; row 1: −ln softmax₀ ≈ e^−1000 ≈ 0
        #expect(cost.isFinite)
        #expect(isClose(cost, 1000))
        #expect(gradient.elements.allSatisfy { $0.isFinite })
        #expect(allClose(gradient.elements, [0.5, -0.5, 0, 0, 0, 0]))
        let labelGradient = Matrix<Double>(rows: 2, columns: 3)
        #expect(try isClose(loss.cost(logits: logits, labels: [1, 0], gradient: labelGradient), 1000))
        #expect(allClose(labelGradient.elements, gradient.elements))
        let floatCost = SoftmaxCrossEntropy<Float>().cost(
            logits: Matrix([[1000, -1000, 0]]), targets: try .oneHot(labels: [1], classCount: 3), gradient: nil)
        #expect(floatCost == 2000)
    }

    @Test func binaryCrossEntropyWithLogitsOfAThousand() {
        let logits = Matrix<Double>([[1000], [-1000], [1000], [-1000]])
        let targets = Matrix<Double>([[0], [1], [1], [0]])
        let gradient = Matrix<Double>(rows: 4, columns: 1)
        let cost = BinaryCrossEntropy<Double>().cost(logits: logits, targets: targets, gradient: gradient)
        #expect(cost == 500)  // (1000 + 1000 + 0 + 0) / 4
        #expect(gradient.elements == [0.25, -0.25, 0, 0])
        let floatGradient = Matrix<Float>(rows: 1, columns: 1)
        let floatCost = BinaryCrossEntropy<Float>().cost(logits: Matrix([[-1000]]), targets: Matrix([[1]]), gradient: floatGradient)
        #expect(floatCost == 1000)
        #expect(floatGradient.elements == [-1])
    }

    @Test func quadraticWithSaturatedSigmoid() {
        let gradient = Matrix<Double>(rows: 1, columns: 2)
        let cost = QuadraticCost<Double>(outputActivation: .sigmoid).cost(logits: Matrix([[1000, -1000]]), targets: Matrix([[0, 0]]), gradient: gradient)
        #expect(cost == 0.5)
        #expect(gradient.elements.allSatisfy { $0.isFinite })
    }

    // MARK: - Gradients alone (d < 1e-7)

    @Test func softmaxCrossEntropyGradient() throws {
        let targets = try Matrix<Double>.oneHot(labels: [0, 2, 1, 3, 3], classCount: 4)
        #expect(logitGradientError(SoftmaxCrossEntropy(), logits: randomMatrix(5, 4, seed: 4, scale: 2), targets: targets) < 1e-7)
        let network = try Sequential<Double>([Dense(inputCount: 3, outputCount: 4)])
        randomizeParameters(network, seed: 5)
        let report = try GradientCheck.run(network: network, loss: SoftmaxCrossEntropy(), inputs: randomMatrix(5, 3, seed: 6), targets: targets)
        #expect(report.maxRelativeError < 1e-7, "\(report.tensors)")
    }

    @Test func binaryCrossEntropyGradient() throws {
        let targets = Matrix<Double>([[1, 0], [0, 0], [1, 1], [0, 1]])
        #expect(logitGradientError(BinaryCrossEntropy(), logits: randomMatrix(4, 2, seed: 7, scale: 2), targets: targets) < 1e-7)
        let network = try Sequential<Double>([Dense(inputCount: 3, outputCount: 2)])
        randomizeParameters(network, seed: 8)
        let report = try GradientCheck.run(network: network, loss: BinaryCrossEntropy(), inputs: randomMatrix(4, 3, seed: 9), targets: targets)
        #expect(report.maxRelativeError < 1e-7, "\(report.tensors)")
    }

    @Test("Quadratic cost gradient", arguments: [Activation.identity, .sigmoid, .tanh, .relu, .leakyReLU(alpha: 0.2), .elu(), .softmax])
    func quadraticGradient(outputActivation: Activation) throws {
        let loss = QuadraticCost<Double>(outputActivation: outputActivation)
        let targets: Matrix<Double> = randomMatrix(5, 3, seed: 10)
        #expect(logitGradientError(loss, logits: randomMatrix(5, 3, seed: 11), targets: targets) < 1e-7)
        let network = try Sequential<Double>([Dense(inputCount: 2, outputCount: 3)])
        randomizeParameters(network, seed: 12)
        let report = try GradientCheck.run(network: network, loss: loss, inputs: randomMatrix(5, 2, seed: 13), targets: targets)
        #expect(report.maxRelativeError < 1e-7, "\(outputActivation): \(report.tensors)")
    }
}
