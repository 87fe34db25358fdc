import Testing
import Backprop
@testable import BackpropCore

@Suite("Prediction")
struct PredictionTests {
    /// A 2 → 3 linear network whose logits are the input's first feature times (1, 0, −1)
    /// plus its second feature times (0, 1, 0): class 0 for large x₀, class 2 for very negative
    /// x₀, class 1 for large x₁.
    func handBuiltNetwork() throws -> Sequential<Double> {
        let layer = Dense<Double>(inputCount: 2, outputCount: 3)
        layer.weight.value.assign(Matrix([[1, 0], [0, 1], [-1, 0]]))
        return try Sequential([layer])
    }

    @Test func probabilitiesAreTheLossPredictions() throws {
        let network = try handBuiltNetwork()
        let probabilities = try network.predictProbabilities(Matrix([[1, 2]]), loss: SoftmaxCrossEntropy())
        // logits (1, 2, −1): softmax = e^{1,2,−1} / (e + e² + e^−1)
        let total = 2.718281828459045 + 7.38905609893065 + 0.36787944117144233
        #expect(allClose(probabilities.elements, [2.718281828459045 / total, 7.38905609893065 / total, 0.36787944117144233 / total]))
        let identity = try network.predictProbabilities(Matrix([[1, 2]]), loss: QuadraticCost())
        #expect(identity.elements == [1, 2, -1])
    }

    @Test func classesAndAccuracy() throws {
        let network = try handBuiltNetwork()
        let inputs = Matrix<Double>([[3, 0], [0, 3], [-3, 0], [1, 0.5], [-1, 5]])
        #expect(try network.predictClasses(inputs, loss: SoftmaxCrossEntropy()) == [0, 1, 2, 0, 1])
        #expect(try network.accuracy(inputs, labels: [0, 1, 2, 0, 1], loss: SoftmaxCrossEntropy()) == 1)
        #expect(try network.accuracy(inputs, labels: [0, 1, 2, 2, 2], loss: SoftmaxCrossEntropy()) == 0.6)
    }

    @Test func chunkedPredictionsEqualOneBatch() throws {
        let network = try Sequential<Double>.mlp([3, 5, 4], hiddenActivation: .function(.tanh))
        randomizeParameters(network, seed: 1)
        let inputs: Matrix<Double> = randomMatrix(23, 3, seed: 2)
        let whole = try network.predictProbabilities(inputs, loss: SoftmaxCrossEntropy(), batchSize: 100)
        for batchSize in [1, 4, 7, 23] {
            let chunked = try network.predictProbabilities(inputs, loss: SoftmaxCrossEntropy(), batchSize: batchSize)
            #expect(chunked.rows == 23 && chunked.columns == 4)
            #expect(allClose(chunked.elements, whole.elements), "batch size \(batchSize)")
            #expect(try network.predictClasses(inputs, loss: SoftmaxCrossEntropy(), batchSize: batchSize) == whole.argmaxPerRow())
        }
        for row in 0..<23 {
            #expect(isClose(whole.row(row).reduce(0, +), 1))
        }
    }

    @Test func singleOutputThresholdsAtOneHalf() throws {
        let layer = Dense<Double>(inputCount: 1, outputCount: 1)
        layer.weight.value.assign(Matrix([[1]]))
        let network = try Sequential<Double>([layer])
        let inputs = Matrix<Double>([[2], [-0.1], [0], [-3]])
        let probabilities = try network.predictProbabilities(inputs, loss: BinaryCrossEntropy())
        #expect(allClose(probabilities.elements, [0.8807970779778823, 0.47502081252106, 0.5, 0.04742587317756678]))
        #expect(try network.predictClasses(inputs, loss: BinaryCrossEntropy()) == [1, 0, 1, 0])
        #expect(try network.accuracy(inputs, labels: [1, 0, 0, 0], loss: BinaryCrossEntropy(), batchSize: 3) == 0.75)
    }

    @Test func badInput() throws {
        let network = try handBuiltNetwork()
        let loss = SoftmaxCrossEntropy<Double>()
        #expect(throws: NetworkError.shapeMismatch(layer: "Dense(2 → 3, identity)", expected: "m×2", actual: "1×3")) {
            try network.predictProbabilities(Matrix([[1, 2, 3]]), loss: loss)
        }
        #expect(throws: NetworkError.emptyBatch(layer: "Dense(2 → 3, identity)")) {
            try network.predictClasses(Matrix(rows: 0, columns: 2), loss: loss)
        }
        let inputs = Matrix<Double>(rows: 10, columns: 2)
        inputs[7, 1] = .nan
        #expect(throws: NetworkError.nonFinite(place: "The input", row: 7, column: 1)) {
            try network.predictClasses(inputs, loss: loss, batchSize: 3)
        }
        #expect(throws: NetworkError.labelOutOfRange(label: 3, row: 1, classCount: 3)) {
            try network.accuracy(Matrix([[1, 0], [0, 1]]), labels: [0, 3], loss: loss)
        }
        #expect(throws: NetworkError.self) { try network.accuracy(Matrix([[1, 0]]), labels: [0, 1], loss: loss) }
        #expect(throws: NetworkError.self) { try network.predictClasses(Matrix([[1, 0]]), loss: loss, batchSize: 0) }
    }
}
