/// The activation-statistics experiment (see the Initialization article): push a unit-Gaussian batch through a deep
/// stack of bias-free dense layers and watch the mean and standard deviation of each layer's
/// activations — how an initialiser keeps the signal alive, lets it vanish or saturates it.
///
/// Reference (1000×500 input, 10 layers of 500 units): tanh with `small(σ=0.01)` falls
/// 0.21, 0.048, 0.011, 0.0024, …; tanh with `small(σ=1)` stays ≈ 0.98 (saturated); tanh with
/// `lecun` (N(0,1)/√n_in) goes 0.63, 0.49, 0.41, 0.36, … 0.23; ReLU with `lecun` halves the
/// std every layer (0.58 … 0.026); ReLU with `he` stays near 0.81–0.89.
///
/// ```swift
/// let layers = try ActivationStatistics.measure(activation: .tanh, initializer: .lecunNormal,
///                                               scalar: Float.self)
/// for layer in layers { print(layer.layer, layer.mean, layer.standardDeviation) }
/// ```
public enum ActivationStatistics {
    /// The statistics of one layer's output over every element of the batch.
    public struct LayerStatistics: Sendable, Hashable, Codable {
        /// 1 for the first hidden layer.
        public var layer: Int
        /// The mean activation.
        public var mean: Double
        /// The population standard deviation of the activations.
        public var standardDeviation: Double
        /// The fraction of activations that are exactly 0 (dead ReLU outputs).
        public var zeroFraction: Double
        /// The fraction of saturated activations: sigmoid below 0.01 or above 0.99, tanh with
        /// `|a| > 0.99`; `nil` for activations that do not saturate (ReLU, identity, …).
        public var saturatedFraction: Double?
        /// ReLU only: the fraction of units that output 0 for every example (dead units);
        /// `nil` for the other activations.
        public var deadFraction: Double?
    }

    /// Runs the experiment.
    ///
    /// - Parameters:
    ///   - activation: the activation of every layer.
    ///   - initializer: the weight scheme of every layer (symmetric schemes allowed).
    ///   - depth: the number of layers (10 in the reference).
    ///   - width: units per layer (500).
    ///   - inputWidth: input features (500).
    ///   - exampleCount: rows of the input batch (1000).
    ///   - seed: the seed of the input and the weights.
    ///   - scalar: the precision to compute in.
    /// - Returns: one entry per layer, first to last.
    /// - Throws: ``NetworkError/invalidValue(setting:value:requirement:)`` for a size below 1,
    ///   ``NetworkError/unusable(what:reason:)`` for LSUV.
    public static func measure<Scalar: NetworkScalar>(
        activation: Activation, initializer: Initializer, depth: Int = 10, width: Int = 500,
        inputWidth: Int = 500, exampleCount: Int = 1000, seed: UInt64 = 0, scalar: Scalar.Type = Scalar.self
    ) throws -> [LayerStatistics] {
        var results: [LayerStatistics] = []
        try forEachLayer(activation: activation, initializer: initializer, depth: depth, width: width, inputWidth: inputWidth,
                         exampleCount: exampleCount, seed: seed, scalar: scalar) { index, activations in
            results.append(statistics(of: activations, layer: index + 1, activation: activation))
        }
        return results
    }

    /// Runs the experiment of ``measure(activation:initializer:depth:width:inputWidth:exampleCount:seed:scalar:)``,
    /// handing each layer's output (`exampleCount × width`, layer index from 0) to `body`.
    static func forEachLayer<Scalar: NetworkScalar>(
        activation: Activation, initializer: Initializer, depth: Int, width: Int,
        inputWidth: Int, exampleCount: Int, seed: UInt64, scalar: Scalar.Type,
        _ body: (Int, Matrix<Scalar>) throws -> Void
    ) throws {
        guard depth >= 1, width >= 1, inputWidth >= 1, exampleCount >= 1 else {
            throw NetworkError.invalidValue(
                setting: "The activation experiment", value: "depth \(depth), width \(width), input \(inputWidth), examples \(exampleCount)",
                requirement: "needs positive sizes")
        }
        if case .lsuv = initializer {
            throw NetworkError.unusable(what: "The activation experiment", reason: "it draws weights without data, so LSUV is not available")
        }
        var random = RandomGenerator(seed: seed)
        let input = Matrix<Scalar>(rows: exampleCount, columns: inputWidth)
        input.fillElements { random.normal() }
        var layers: [Dense<Scalar>] = []
        for index in 0..<depth {
            let layer = Dense<Scalar>(inputCount: index == 0 ? inputWidth : width, outputCount: width, activation: activation, hasBias: false)
            initializer.fill(layer.weight.value, random: &random)
            layers.append(layer)
        }
        var activations = input
        for (index, layer) in layers.enumerated() {
            activations = try layer.forward(activations, mode: .inference)
            try body(index, activations)
        }
    }

    /// Mean, standard deviation and fractions over all elements of `matrix`, the output of
    /// `activation`: the saturated fraction for sigmoid (both ends) and tanh, the dead units
    /// for ReLU (as the training monitor counts them, see `MonitoringStatistics`).
    static func statistics<Scalar: NetworkScalar>(of matrix: Matrix<Scalar>, layer: Int, activation: Activation) -> LayerStatistics {
        // One pass in Double: Σa and Σa² (the activations are O(1) or smaller, far from the
        // cancellation that would call for a second pass).
        var sum = 0.0, squares = 0.0, zeros = 0
        matrix.forEachElementAsDouble { value in
            sum += value
            squares += value * value
            if value == 0 { zeros += 1 }
        }
        let count = Double(max(matrix.count, 1))
        let mean = sum / count
        let variance = max(squares / count - mean * mean, 0)
        let kind = MonitoringStatistics.Kind(activation)
        let record = kind == .other ? nil : MonitoringStatistics.layerRecord(of: matrix, name: "", activation: activation.name, kind: kind, binCount: 1)
        return LayerStatistics(
            layer: layer, mean: mean, standardDeviation: variance.squareRoot(),
            zeroFraction: Double(zeros) / count, saturatedFraction: record?.saturatedFraction, deadFraction: record?.deadFraction)
    }
}
