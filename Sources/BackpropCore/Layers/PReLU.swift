/// Parametric ReLU (He et al. 2015): `g(z) = z` for `z > 0`, `α_j·z` otherwise, with a
/// learned slope `α_j` per unit.
///
/// `alpha` is `1 × unitCount`, starts at 0.25 and is never regularised. Backward:
/// `dz = da` or `α_j·da`; `dα_j = Σ_rows da·z` over the rows where `z ≤ 0`.
public final class PReLU<Scalar: NetworkScalar>: Layer {
    public let inputCount: Int
    public var outputCount: Int { inputCount }
    /// The learned slopes for negative inputs, `1 × unitCount`.
    public let alpha: Parameter<Scalar>

    private var input: Matrix<Scalar>?
    private var output: Matrix<Scalar>?
    private var inputGradient: Matrix<Scalar>?

    /// A PReLU over `unitCount` units with every slope at `initialAlpha`.
    public init(unitCount: Int, initialAlpha: Scalar = 0.25) {
        precondition(unitCount > 0, "PReLU needs at least one unit")
        inputCount = unitCount
        alpha = Parameter(name: "weight", value: Matrix(rows: 1, columns: unitCount, repeating: initialAlpha), isRegularized: false)
    }

    public var parameters: [Parameter<Scalar>] { [alpha] }
    public var description: String { "PReLU(\(inputCount))" }
    public var layerDescription: LayerDescription { describe(as: .prelu) }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: Matrix<Scalar>, mode: Mode) throws -> Matrix<Scalar> {
        try validate(input)
        let result = Matrix.reuse(output, rows: input.rows, columns: inputCount)
        output = result
        self.input = input
        let slopes = alpha.value.base
        for row in 0..<input.rows {
            let z = input.rowPointer(row), a = result.rowPointer(row)
            for j in 0..<inputCount { a[j] = z[j] > 0 ? z[j] : slopes[j] * z[j] }
        }
        return result
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ outputGradient: Matrix<Scalar>, needsInputGradient: Bool) -> Matrix<Scalar>? {
        guard let input else { preconditionFailure("\(self): backward called before forward") }
        let slopes = alpha.value.base, slopeGradient = alpha.gradient.base
        slopeGradient.update(repeating: 0, count: inputCount)
        let dX = needsInputGradient ? Matrix.reuse(inputGradient, rows: input.rows, columns: inputCount) : nil
        if needsInputGradient { inputGradient = dX }
        for row in 0..<input.rows {
            let z = input.rowPointer(row), dA = outputGradient.rowPointer(row)
            for j in 0..<inputCount where z[j] <= 0 { slopeGradient[j] += dA[j] * z[j] }
            if let dX {
                let dZ = dX.rowPointer(row)
                for j in 0..<inputCount { dZ[j] = z[j] > 0 ? dA[j] : slopes[j] * dA[j] }
            }
        }
        return dX
    }
}
