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

    /// Computes the activations on the fly (in `gradient` when it is given), so the cost
    /// allocates nothing.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func cost(logits: Matrix<Scalar>, targets: Matrix<Scalar>, gradient: Matrix<Scalar>?) -> Scalar {
        let scale = 1 / Scalar(logits.rows)
        if outputActivation == .softmax {
            return softmaxCost(logits: logits, targets: targets, gradient: gradient, scale: scale)
        }
        let count = logits.count
        let z = logits.base, y = targets.base
        var total: Scalar = 0
        if let gradient {
            let g = gradient.base
            for i in 0..<count {
                let a = outputActivation.value(z[i])
                let difference = a - y[i]
                total += difference * difference
                g[i] = difference * outputActivation.derivative(z: z[i], a: a) * scale
            }
        } else {
            for i in 0..<count {
                let difference = outputActivation.value(z[i]) - y[i]
                total += difference * difference
            }
        }
        return total * scale / 2
    }

    /// The softmax case, row by row: with `d = a − y`, `∂C/∂z_k = a_k·(d_k − Σ_j d_j·a_j)/m`.
    /// The row's activations are kept in the gradient row while the sum is formed.
    private func softmaxCost(logits: Matrix<Scalar>, targets: Matrix<Scalar>, gradient: Matrix<Scalar>?, scale: Scalar) -> Scalar {
        let columns = logits.columns
        var total: Scalar = 0
        for row in 0..<logits.rows {
            let z = logits.rowPointer(row), y = targets.rowPointer(row)
            var maximum = -Scalar.infinity
            for j in 0..<columns { maximum = Swift.max(maximum, z[j]) }
            var sum: Scalar = 0
            for j in 0..<columns { sum += Scalar.exp(z[j] - maximum) }
            let inverse = 1 / sum
            guard let gradient else {
                for j in 0..<columns {
                    let difference = Scalar.exp(z[j] - maximum) * inverse - y[j]
                    total += difference * difference
                }
                continue
            }
            let g = gradient.rowPointer(row)
            var dot: Scalar = 0
            for j in 0..<columns {
                let a = Scalar.exp(z[j] - maximum) * inverse
                let difference = a - y[j]
                g[j] = a
                total += difference * difference
                dot += difference * a
            }
            for j in 0..<columns {
                let a = g[j]
                g[j] = a * (a - y[j] - dot) * scale
            }
        }
        return total * scale / 2
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func predictions(logits: Matrix<Scalar>, into result: Matrix<Scalar>) {
        outputActivation.apply(logits, into: result)
    }
}
