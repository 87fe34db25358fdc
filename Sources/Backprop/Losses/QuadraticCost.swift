/// The quadratic cost of an output activation `a = g(z)`:
/// `C = (1/2m) Σ_i ‖y_i − a_i‖²`, gradient `∂C/∂z = (a − y) ⊙ g'(z) / m`.
///
/// With `g = identity` this is regression's mean squared error (halved). With
/// `g = sigmoid` it is the cost of Nielsen's first MNIST network, whose error term
/// `(a − y)·σ'(z)` vanishes when the output saturates ("learning slowdown").
public struct QuadraticCost<Scalar: NetworkScalar>: Loss {
    /// The output activation `g` applied to the logits before comparing with targets.
    public let outputActivation: Activation

    /// A quadratic cost after `outputActivation` (identity by default; sigmoid for
    /// classification in the textbook setting). Softmax is allowed too.
    public init(outputActivation: Activation = .identity) {
        self.outputActivation = outputActivation
    }

    public var name: String { "mse" }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func cost(logits: Matrix<Scalar>, targets: Matrix<Scalar>, gradient: Matrix<Scalar>?) -> Scalar {
        let count = logits.count
        let activations = Matrix<Scalar>(rows: logits.rows, columns: logits.columns)
        outputActivation.apply(logits, into: activations)
        let a = activations.base, y = targets.base
        var total: Scalar = 0
        for i in 0..<count { let difference = a[i] - y[i]; total += difference * difference }
        let scale = 1 / Scalar(logits.rows)
        if let gradient {
            let g = gradient.base
            for i in 0..<count { g[i] = (a[i] - y[i]) * scale }
            outputActivation.backward(outputGradient: gradient, z: logits, a: activations, into: gradient)
        }
        return total * scale / 2
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func predictions(logits: Matrix<Scalar>, into result: Matrix<Scalar>) {
        outputActivation.apply(logits, into: result)
    }
}
