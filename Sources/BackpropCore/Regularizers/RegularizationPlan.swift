/// One regularised tensor and the penalty that applies to it.
public struct RegularizedParameter<Scalar: NetworkScalar> {
    /// The PyTorch-style name, e.g. `layers.0.weight`.
    public let name: String
    /// The tensor.
    public let parameter: Parameter<Scalar>
    /// Its penalty.
    public let regularizer: any Regularizer<Scalar>
}

/// Which weight penalty applies to which layer: one global penalty, per-layer replacements,
/// and layers left unpenalised.
///
/// Only parameters with ``Parameter/isRegularized`` (weights) are ever penalised; biases,
/// PReLU slopes and batch-norm parameters never are. Layers are named by their index in
/// ``Sequential/layers`` (the `N` of `layers.N.weight`).
///
/// For the training loop, resolve the plan once with ``assignments(in:)`` and use the
/// resulting array's `penalty(exampleCount:)` and
/// `addGradients(exampleCount:)` every batch, which allocate nothing.
///
/// ```swift
/// // L2 everywhere except layer 2, which gets L1 instead; layer 4 unpenalised.
/// let plan = RegularizationPlan<Float>(L2(lambda: 5), perLayer: [2: L1(lambda: 1)], excludedLayers: [4])
/// let assignments = plan.assignments(in: network)
/// let cost = dataCost + assignments.penalty(exampleCount: 50_000)
/// ```
public struct RegularizationPlan<Scalar: NetworkScalar>: CustomStringConvertible {
    /// The penalty of every layer not listed in ``perLayer`` or ``excludedLayers``.
    public var global: (any Regularizer<Scalar>)?
    /// Layer index → the penalty that replaces ``global`` there.
    public var perLayer: [Int: any Regularizer<Scalar>]
    /// Layers with no penalty at all.
    public var excludedLayers: Set<Int>

    /// A plan with a global penalty, per-layer replacements and exclusions.
    public init(_ global: (any Regularizer<Scalar>)? = nil, perLayer: [Int: any Regularizer<Scalar>] = [:], excludedLayers: Set<Int> = []) {
        self.global = global
        self.perLayer = perLayer
        self.excludedLayers = excludedLayers
    }

    /// The global penalty of the `--l1`/`--l2` flags: none, ``L1``, ``L2`` or, when both are
    /// positive, ``ElasticNet``.
    ///
    /// - Throws: ``NetworkError/invalidValue(setting:value:requirement:)`` for a negative or non-finite strength.
    public init(l1: Double, l2: Double) throws {
        guard l1 >= 0, l2 >= 0, l1.isFinite, l2.isFinite else {
            throw NetworkError.invalidValue(setting: "Regularisation strengths", value: "l1 = \(l1), l2 = \(l2)", requirement: "must be non-negative numbers")
        }
        switch (l1 > 0, l2 > 0) {
        case (false, false): self.init()
        case (true, false): self.init(L1(lambda: l1))
        case (false, true): self.init(L2(lambda: l2))
        case (true, true): self.init(ElasticNet(l1: l1, l2: l2))
        }
    }

    /// The penalty of layer `index`, if any.
    public func regularizer(forLayer index: Int) -> (any Regularizer<Scalar>)? {
        if excludedLayers.contains(index) { return nil }
        return perLayer[index] ?? global
    }

    /// Every penalised tensor of `network` with its penalty, in network order.
    public func assignments(in network: Sequential<Scalar>) -> [RegularizedParameter<Scalar>] {
        var result: [RegularizedParameter<Scalar>] = []
        for (index, layer) in network.layers.enumerated() {
            guard let regularizer = regularizer(forLayer: index) else { continue }
            for parameter in layer.parameters where parameter.isRegularized {
                result.append(RegularizedParameter(name: "layers.\(index).\(parameter.name)", parameter: parameter, regularizer: regularizer))
            }
        }
        return result
    }

    /// `Σ R(W)` over the penalised tensors of `network`.
    public func penalty(of network: Sequential<Scalar>, exampleCount: Int) -> Scalar {
        assignments(in: network).penalty(exampleCount: exampleCount)
    }

    /// Adds `∂R/∂W` to the gradient of every penalised tensor of `network`.
    public func addGradients(to network: Sequential<Scalar>, exampleCount: Int) {
        assignments(in: network).addGradients(exampleCount: exampleCount)
    }

    public var description: String {
        var parts: [String] = [global.map { "\($0)" } ?? "none"]
        for index in perLayer.keys.sorted() { parts.append("layers.\(index): \(perLayer[index]!)") }
        for index in excludedLayers.sorted() { parts.append("layers.\(index): none") }
        return parts.joined(separator: ", ")
    }
}

extension Array {
    /// `Σ R(W)` over these penalised tensors.
    public func penalty<Scalar>(exampleCount: Int) -> Scalar where Element == RegularizedParameter<Scalar> {
        var total: Scalar = 0
        for entry in self { total += entry.regularizer.penalty(entry.parameter.value, exampleCount: exampleCount) }
        return total
    }

    /// Adds `∂R/∂W` to each tensor's gradient.
    public func addGradients<Scalar>(exampleCount: Int) where Element == RegularizedParameter<Scalar> {
        for entry in self {
            entry.regularizer.addGradient(of: entry.parameter.value, to: entry.parameter.gradient, exampleCount: exampleCount)
        }
    }
}
