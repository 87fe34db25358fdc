extension Sequential {
    /// A multi-layer perceptron from a size list such as `[784, 30, 20, 10]`: hidden layers
    /// use `hiddenActivation`, the last layer is linear (it produces logits for the loss).
    ///
    /// Weights are zero until an initialiser fills them. The same as building
    /// `NetworkBlueprint(sizes: sizes, hiddenActivation: hiddenActivation)`.
    ///
    /// - Throws: ``NetworkError`` for fewer than two sizes or a size below 1.
    public static func mlp(_ sizes: [Int], hiddenActivation: HiddenActivation = .function(.relu)) throws -> Sequential {
        try NetworkBlueprint(sizes: sizes, hiddenActivation: hiddenActivation).build()
    }
}
