import Testing
import Backprop
@testable import BackpropCore

/// Bad input throws a ``NetworkError`` naming the layer and the shapes; nothing traps.
@Suite("Bad input")
struct BadInputTests {
    func network() throws -> Sequential<Float> {
        try Sequential<Float>.mlp([4, 5, 3], hiddenActivation: .function(.relu))
    }

    @Test func fiveFeaturesIntoANetworkBuiltForFour() throws {
        let error = try #require(throws: NetworkError.self) {
            try network().forward(Matrix(rows: 2, columns: 5), mode: .inference)
        }
        #expect(error == .shapeMismatch(layer: "Dense(4 → 5, relu)", expected: "m×4", actual: "2×5"))
        #expect(error.description == "Dense(4 → 5, relu) expects input of shape m×4, got 2×5")
    }

    @Test func everyLayerKindChecksItsWidth() {
        let layers: [any Layer<Float>] = [
            Dense(inputCount: 4, outputCount: 2), ActivationLayer(.tanh, width: 4),
            PReLU(unitCount: 4), Maxout(inputCount: 4, outputCount: 2),
        ]
        for layer in layers {
            #expect(throws: NetworkError.shapeMismatch(layer: layer.description, expected: "m×4", actual: "3×5")) {
                try layer.forward(Matrix(rows: 3, columns: 5), mode: .training)
            }
            #expect(throws: NetworkError.emptyBatch(layer: layer.description)) {
                try layer.forward(Matrix(rows: 0, columns: 4), mode: .training)
            }
        }
    }

    @Test func emptyBatch() throws {
        let error = try #require(throws: NetworkError.self) {
            try network().forward(Matrix(rows: 0, columns: 4), mode: .training)
        }
        #expect(error == .emptyBatch(layer: "Dense(4 → 5, relu)"))
        #expect(error.description.contains("0 rows"))
    }

    @Test func nanInInputNamesRowAndColumn() throws {
        let input = Matrix<Float>(rows: 3, columns: 4)
        input[2, 1] = .nan
        let error = try #require(throws: NetworkError.self) { try network().forward(input, mode: .inference) }
        #expect(error == .nonFinite(place: "The input batch", row: 2, column: 1))
        input[2, 1] = .infinity
        #expect(throws: NetworkError.self) { try network().forward(input, mode: .inference) }
    }

    /// The scan behind a dense first layer looks at `Z = X·Wᵀ + b`; infinities must still be
    /// caught when weights are zero (∞·0 = NaN) or negative (ReLU would hide −∞), for one row
    /// (matrix-vector path) and many, in both precisions, and behind a non-dense first layer.
    @Test(arguments: [1, 40])
    func infinitiesAreCaughtWhateverTheWeights(rows: Int) throws {
        func check<S: NetworkScalar>(_: S.Type, weight: S, value: S, firstLayer: (any Layer<S>)? = nil) throws {
            let dense = Dense<S>(inputCount: 4, outputCount: 5, activation: .relu)
            for index in 0..<dense.weight.value.count { dense.weight.value.base[index] = weight }
            let network = try Sequential<S>((firstLayer.map { [$0] } ?? []) + [dense])
            let input = Matrix<S>(rows: rows, columns: 4, repeating: 1)
            input[rows - 1, 3] = value
            let error = try #require(throws: NetworkError.self) { try network.forward(input, mode: .inference) }
            #expect(error == .nonFinite(place: "The input batch", row: rows - 1, column: 3))
            input[rows - 1, 3] = 1
            #expect(try network.forward(input, mode: .inference).rows == rows)
        }
        for value in [Float.infinity, -.infinity, .nan] {
            for weight: Float in [0, -1, 1] { try check(Float.self, weight: weight, value: value) }
            try check(Float.self, weight: -1, value: value, firstLayer: Dropout<Float>(width: 4, dropProbability: 0.5, seed: 1))
        }
        try check(Double.self, weight: 0, value: -.infinity)
    }

    @Test func labelsOutOfRange() {
        #expect(throws: NetworkError.labelOutOfRange(label: 3, row: 1, classCount: 3)) {
            try Matrix<Float>.oneHot(labels: [0, 3, 1], classCount: 3)
        }
        #expect(throws: NetworkError.labelOutOfRange(label: -1, row: 0, classCount: 3)) {
            try Matrix<Float>.oneHot(labels: [-1], classCount: 3)
        }
        let logits = Matrix<Float>(rows: 2, columns: 3)
        #expect(throws: NetworkError.labelOutOfRange(label: 5, row: 1, classCount: 3)) {
            try SoftmaxCrossEntropy<Float>().cost(logits: logits, labels: [0, 5], gradient: nil)
        }
    }

    @Test func lossRejectsMismatchedTargets() {
        let loss = BinaryCrossEntropy<Float>()
        #expect(throws: NetworkError.shapeMismatch(layer: "loss binary-ce", expected: "targets 2×1", actual: "3×1")) {
            try loss.validate(logits: Matrix(rows: 2, columns: 1), targets: Matrix(rows: 3, columns: 1))
        }
        #expect(throws: NetworkError.emptyBatch(layer: "loss binary-ce")) {
            try loss.validate(logits: Matrix(rows: 0, columns: 1), targets: Matrix(rows: 0, columns: 1))
        }
        let targets = Matrix<Float>(rows: 2, columns: 1)
        targets[1, 0] = .nan
        #expect(throws: NetworkError.nonFinite(place: "The targets", row: 1, column: 0)) {
            try loss.validate(logits: Matrix(rows: 2, columns: 1), targets: targets)
        }
        #expect(throws: NetworkError.self) {
            try SoftmaxCrossEntropy<Float>().cost(logits: Matrix(rows: 2, columns: 3), labels: [0], gradient: nil)
        }
        #expect(throws: NetworkError.self) {
            try SoftmaxCrossEntropy<Float>().cost(logits: Matrix(rows: 2, columns: 3), labels: [0, 1], gradient: Matrix(rows: 2, columns: 2))
        }
    }

    @Test func badConfigurations() {
        #expect(throws: NetworkError.self) { try Sequential<Float>.mlp([4]) }
        #expect(throws: NetworkError.self) { try Sequential<Float>.mlp([4, 0, 2]) }
        #expect(throws: NetworkError.self) { try Sequential<Float>([]) }
        #expect(throws: NetworkError.self) {
            try Sequential<Float>([Dense(inputCount: 4, outputCount: 3), Dense(inputCount: 2, outputCount: 1)])
        }
    }
}
