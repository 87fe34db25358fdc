/// What ``Sequential/initializeParameters(_:overrides:random:data:force:bias:)`` did to one layer.
public struct LayerInitialization: Sendable, Hashable, Codable {
    /// The layer's index in ``Sequential/layers``.
    public var layerIndex: Int
    /// The layer as it prints, e.g. `Dense(784 → 30, relu)`.
    public var layer: String
    /// The scheme used for its weight.
    public var initializer: Initializer
    /// LSUV only: rescalings applied, and the pre-activation variance reached on the batch.
    public var lsuvIterations: Int?
    /// LSUV only: the final pre-activation variance on the batch.
    public var finalVariance: Double?
}

extension Sequential {
    /// Initialises every weight-bearing layer (a layer with a regularised parameter named `weight`, such
    /// as ``Dense`` or ``Maxout``): its `weight` from a scheme, its `bias` to 0. Other
    /// parameters (PReLU slopes, batch-norm scale and shift) are left as their layers built
    /// them.
    ///
    /// The scheme of layer `i` is `overrides[i]`, else `scheme`, else the default for the
    /// activation that follows the layer (`Initializer.default(for:)`):
    /// a fused activation, a following ``PReLU`` (He) or ``ActivationLayer``; ``Maxout`` uses He;
    /// a layer followed by no activation, such as the output layer, uses Xavier.
    ///
    /// LSUV layers (Mishkin & Matas 2015) are first made orthogonal with everything else; then,
    /// from the first layer to the last, the pre-activation `Z = X·Wᵀ + b` of the layer on
    /// `data` (propagated through the earlier layers in inference mode) is measured and `W`
    /// is divided by `√Var(Z)` (variance over all elements of `Z`) until
    /// `|Var(Z) − 1| < tolerance` or `maxIterations` rescalings.
    ///
    /// The same seed gives the same weights: layers draw in order from `random`.
    ///
    /// - Parameters:
    ///   - scheme: one scheme for every layer, or `nil` for the activation-based default.
    ///   - overrides: layer index → scheme, taking precedence over `scheme`.
    ///   - random: the generator every draw comes from.
    ///   - data: an `m × inputCount` batch, required when a layer uses LSUV.
    ///   - force: allow `zeros`/`constant` for hidden weights.
    ///   - bias: how the biases start (zeros by default; a `normal` draw follows each
    ///     layer's weight draw).
    /// - Returns: one entry per initialised layer.
    /// - Throws: ``NetworkError/unusable(what:reason:)`` when a hidden layer would get a
    ///   symmetric scheme without `force` (every unit of the layer would compute the same value
    ///   and receive the same gradient forever) or an override names no weight-bearing layer;
    ///   ``NetworkError/invalidValue(setting:value:requirement:)`` when LSUV has no suitable
    ///   data batch; ``NetworkError`` from the forward pass on `data`.
    @discardableResult
    public func initializeParameters(
        _ scheme: Initializer? = nil, overrides: [Int: Initializer] = [:], random: inout RandomGenerator,
        data: Matrix<Scalar>? = nil, force: Bool = false, bias: BiasInitializer = .zeros
    ) throws -> [LayerInitialization] {
        let weighted = layers.indices.filter { weightParameter(of: layers[$0]) != nil }
        for index in overrides.keys.sorted() where !weighted.contains(index) {
            let what = layers.indices.contains(index) ? "\(layers[index]) has no weight" : "there is no layer \(index)"
            throw NetworkError.unusable(what: "Initialiser override for layers.\(index)", reason: what)
        }
        var plan: [(index: Int, scheme: Initializer)] = []
        for index in weighted {
            let chosen = overrides[index] ?? scheme ?? Initializer.default(for: activationFollowing(index))
            let isHidden = index != weighted.last
            if chosen.isSymmetric && isHidden && !force {
                throw NetworkError.unusable(
                    what: "layers.\(index) \(layers[index])",
                    reason: "the \(chosen.displayName) initialiser gives every unit of a hidden layer the same "
                        + "weights, so all units compute the same output, receive the same gradient and stay identical "
                        + "(symmetry is never broken). Use a random scheme such as he or xavier, or force it.")
            }
            plan.append((index, chosen))
        }
        if plan.contains(where: { if case .lsuv = $0.scheme { true } else { false } }) {
            guard let data, data.columns == inputCount, data.rows >= 2 else {
                throw NetworkError.invalidValue(
                    setting: "LSUV initialisation", value: data.map { "\($0.rows)×\($0.columns)" } ?? "none",
                    requirement: "needs a data batch of at least 2 rows and \(inputCount) columns")
            }
        }
        var report: [LayerInitialization] = []
        for (index, chosen) in plan {
            let layer = layers[index]
            chosen.fill(weightParameter(of: layer)!.value, random: &random)
            if let value = layer.parameters.first(where: { $0.name == "bias" })?.value { bias.fill(value, random: &random) }
            report.append(LayerInitialization(layerIndex: index, layer: layer.description, initializer: chosen))
        }
        for (position, entry) in plan.enumerated() {
            guard case let .lsuv(tolerance, maxIterations) = entry.scheme, let data else { continue }
            let (iterations, variance) = try scaleToUnitVariance(
                layerIndex: entry.index, data: data, tolerance: tolerance, maxIterations: maxIterations)
            report[position].lsuvIterations = iterations
            report[position].finalVariance = variance
        }
        return report
    }

    // MARK: - Helpers

    /// The parameter named `weight` of `layer`, if any.
    private func weightParameter(of layer: any Layer<Scalar>) -> Parameter<Scalar>? {
        layer.parameters.first { $0.name == "weight" && $0.isRegularized }
    }

    /// The activation family applied to the output of weight-bearing layer `index`.
    func activationFollowing(_ index: Int) -> HiddenActivation {
        let description = layers[index].layerDescription
        if case .maxout = description.kind { return .maxout() }
        if case .dense = description.kind, let activation = description.activation { return .function(activation) }
        for next in layers[(index + 1)...] {
            switch next.layerDescription.kind {
            case .prelu: return .prelu()
            case let .activation(activation): return .function(activation)
            default: if weightParameter(of: next) != nil { return .function(.identity) }  // the next linear map: no activation in between
            }
        }
        return .function(.identity)
    }

    /// The LSUV loop for one layer; returns the rescalings applied and the final variance.
    private func scaleToUnitVariance(
        layerIndex: Int, data: Matrix<Scalar>, tolerance: Double, maxIterations: Int
    ) throws -> (Int, Double) {
        let layer = layers[layerIndex]
        let weight = weightParameter(of: layer)!.value
        let bias = layer.parameters.first { $0.name == "bias" }?.value
        var input = data
        for earlier in layers[..<layerIndex] { input = try earlier.forward(input, mode: .inference) }
        let z = Matrix<Scalar>(rows: input.rows, columns: weight.rows)
        var iterations = 0
        while true {
            if let bias {
                for row in 0..<z.rows { z.rowPointer(row).update(from: bias.base, count: z.columns) }
            }
            GEMM.multiply(input, weight, into: z, transposeB: true, beta: bias == nil ? 0 : 1, engine: engine)
            let variance = Self.variance(of: z)
            if abs(variance - 1) < tolerance || iterations >= maxIterations || variance <= 0 || !variance.isFinite {
                return (iterations, variance)
            }
            let scale = Scalar(1 / variance.squareRoot())
            for i in 0..<weight.count { weight.base[i] *= scale }
            iterations += 1
        }
    }

    /// The population variance of all elements of `matrix`, accumulated in `Double`.
    private static func variance(of matrix: Matrix<Scalar>) -> Double {
        var sum = 0.0, squares = 0.0
        for i in 0..<matrix.count {
            let value = Double(matrix.base[i])
            sum += value
            squares += value * value
        }
        let count = Double(matrix.count)
        let mean = sum / count
        return max(squares / count - mean * mean, 0)
    }
}
