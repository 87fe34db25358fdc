/// How ``GradientClipping`` limits gradients before an update.
public enum ClippingRule: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Clamp every gradient element to `[−limit, limit]`.
    case value(Double)
    /// Scale all gradients together by `limit/N` when their global norm
    /// `N = √(Σ over every parameter of ‖dW‖²_F)` exceeds `limit` (Pascanu et al. 2013).
    case globalNorm(Double)

    /// The threshold.
    public var limit: Double {
        switch self {
        case let .value(limit), let .globalNorm(limit): limit
        }
    }

    public var description: String {
        switch self {
        case let .value(limit): "clip-value(\(limit))"
        case let .globalNorm(limit): "clip-norm(\(limit))"
        }
    }
}

/// A part that clips gradients, then lets another optimiser update.
///
/// The gradients are rewritten in place (they are recomputed by the next backward pass).
/// The wrapped optimiser's state is this optimiser's state.
///
/// ```swift
/// let optimizer = GradientClipping(Adam<Float>(), rule: .globalNorm(5))
/// ```
public final class GradientClipping<Scalar: NetworkScalar>: Optimizer {
    /// The optimiser that makes the update.
    public let base: any Optimizer<Scalar>
    /// The clipping rule.
    public let rule: ClippingRule
    /// The global gradient norm measured at the latest update, before clipping (`.globalNorm`
    /// only; 0 before the first update).
    public private(set) var lastGlobalNorm: Double = 0

    /// Clips by `rule` (limit > 0), then updates with `base`.
    public init(_ base: any Optimizer<Scalar>, rule: ClippingRule) {
        precondition(rule.limit > 0 && rule.limit.isFinite, "A clipping limit must be positive, got \(rule.limit)")
        self.base = base
        self.rule = rule
    }

    public func update(_ parameters: [Parameter<Scalar>], learningRate: Scalar) {
        clip(parameters)
        base.update(parameters, learningRate: learningRate)
    }

    /// Applies the rule to the gradients of `parameters` in place.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func clip(_ parameters: [Parameter<Scalar>]) {
        switch rule {
        case let .value(limit):
            let high = Scalar(limit), low = -Scalar(limit)
            for parameter in parameters {
                let g = parameter.gradient.base
                for i in 0..<parameter.gradient.count { g[i] = min(max(g[i], low), high) }
            }
        case let .globalNorm(limit):
            var sum = 0.0
            for parameter in parameters {
                let g = parameter.gradient.base
                for i in 0..<parameter.gradient.count { sum += Double(g[i]) * Double(g[i]) }
            }
            let norm = sum.squareRoot()
            lastGlobalNorm = norm
            guard norm > limit else { return }
            let scale = Scalar(limit / norm)
            for parameter in parameters {
                let g = parameter.gradient.base
                for i in 0..<parameter.gradient.count { g[i] *= scale }
            }
        }
    }

    public var state: OptimizerState { base.state }

    public func restore(_ state: OptimizerState, for parameters: [Parameter<Scalar>]) throws {
        try base.restore(state, for: parameters)
    }

    public var description: String { "\(base) + \(rule)" }
}
