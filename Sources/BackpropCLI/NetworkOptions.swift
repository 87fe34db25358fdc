import ArgumentParser
import Backprop

// MARK: - Names

/// Layer sizes written as a comma-separated list, such as `784,30,10`.
struct LayerSizes: ExpressibleByArgument, Equatable, Sendable, CustomStringConvertible {
    /// Input features, then the width of every layer; at least two sizes, each at least 1.
    var sizes: [Int]

    init(_ sizes: [Int]) {
        self.sizes = sizes
    }

    /// Parses `3,4,4,1`; `nil` (so the parser names the flag and value) for anything else.
    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.filter { !$0.isWhitespace } }
        let sizes = parts.compactMap { Int($0) }
        guard sizes.count == parts.count, sizes.count >= 2, sizes.allSatisfy({ $0 >= 1 }) else { return nil }
        self.sizes = sizes
    }

    var description: String { sizes.map(String.init).joined(separator: ",") }
    var defaultValueDescription: String { description }
}

// MARK: - Option groups

/// `--layers` and `--activation`: the shape of a multi-layer perceptron.
struct NetworkOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Layer sizes from input to output, comma-separated (at least two, each ≥ 1).",
        valueName: "sizes"))
    var layers: LayerSizes

    @Option(help: ArgumentHelp("Hidden-layer activation (\(HiddenActivation.choiceList)); options as name:key=value, e.g. leaky-relu:alpha=0.1.", valueName: "activation"),
            transform: HiddenActivation.argument)
    var activation: HiddenActivation = .function(.relu)

    /// A network of the requested shape with zero weights (the output layer is linear).
    func makeNetwork<Scalar: NetworkScalar>(_: Scalar.Type = Scalar.self) throws -> Sequential<Scalar> {
        try Sequential<Scalar>.mlp(layers.sizes, hiddenActivation: activation)
    }
}

/// `--loss`: the cost the network is trained or checked with.
struct LossOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Loss computed from the network's output (\(LossKind.choiceList)); mse with identity outputs.", valueName: "loss"),
            transform: LossKind.argument)
    var loss: LossKind = .softmaxCrossEntropy
}

/// `--seed`: the seed of every random draw.
struct SeedOptions: ParsableArguments {
    @Option(help: "Seed of the random generator; the same seed gives the same results.")
    var seed: UInt64 = TrainingRecipe.defaultSeed
}

/// `--json`: machine-readable output.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON instead of text.")
    var json = false
}
