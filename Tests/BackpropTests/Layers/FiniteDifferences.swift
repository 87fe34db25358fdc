import Backprop
@testable import BackpropCore

/// `‖a − b‖₂ / (‖a‖₂ + ‖b‖₂)`, the relative error of gradient checking (0 when both are zero).
func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    var difference = 0.0, normA = 0.0, normB = 0.0
    for (x, y) in zip(a, b) {
        difference += (x - y) * (x - y)
        normA += x * x
        normB += y * y
    }
    let denominator = normA.squareRoot() + normB.squareRoot()
    return denominator == 0 ? 0 : difference.squareRoot() / denominator
}

/// Checks a layer's input gradient: with `J(x) = Σ upstream ⊙ layer(x)`, compares the
/// `dX` returned by `backward(upstream)` with central differences of `J` over every element
/// of `input`. Returns the relative error.
func inputGradientError(_ layer: some Layer<Double>, input: Matrix<Double>, upstream: Matrix<Double>, epsilon: Double = 1e-6) throws -> Double {
    _ = try layer.forward(input, mode: .training)
    guard let dX = layer.backward(upstream, needsInputGradient: true) else { return .infinity }
    let analytic = dX.elements
    func objective() throws -> Double {
        let output = try layer.forward(input, mode: .training)
        return zip(output.elements, upstream.elements).reduce(0) { $0 + $1.0 * $1.1 }
    }
    var numeric: [Double] = []
    for index in 0..<input.count {
        let original = input.base[index]
        input.base[index] = original + epsilon
        let plus = try objective()
        input.base[index] = original - epsilon
        let minus = try objective()
        input.base[index] = original
        numeric.append((plus - minus) / (2 * epsilon))
    }
    return relativeError(numeric, analytic)
}

/// Checks a loss's gradient with respect to its logits by central differences of the cost.
func logitGradientError(_ loss: some Loss<Double>, logits: Matrix<Double>, targets: Matrix<Double>, epsilon: Double = 1e-6) -> Double {
    let gradient = Matrix<Double>(rows: logits.rows, columns: logits.columns)
    _ = loss.cost(logits: logits, targets: targets, gradient: gradient)
    var numeric: [Double] = []
    for index in 0..<logits.count {
        let original = logits.base[index]
        logits.base[index] = original + epsilon
        let plus = loss.cost(logits: logits, targets: targets, gradient: nil)
        logits.base[index] = original - epsilon
        let minus = loss.cost(logits: logits, targets: targets, gradient: nil)
        logits.base[index] = original
        numeric.append((plus - minus) / (2 * epsilon))
    }
    return relativeError(numeric, gradient.elements)
}
