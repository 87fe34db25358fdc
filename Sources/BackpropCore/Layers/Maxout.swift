/// Maxout units (Goodfellow et al. 2013): each of `outputCount` units computes `pieces`
/// affine functions of the input and outputs the largest, `a_u = max_p (w_{u,p}ᵀx + b_{u,p})`.
///
/// `weight` is `(outputCount·pieces) × inputCount` with the pieces of unit `u` in rows
/// `u·pieces ..< (u+1)·pieces`; `bias` is `1 × (outputCount·pieces)`. With k = 2 pieces it has
/// twice the parameters of a ``Dense`` layer. The gradient flows only into the winning piece.
public final class Maxout<Scalar: NetworkScalar>: Layer, EngineConfigurable {
    public let inputCount: Int
    public let outputCount: Int
    /// Linear pieces per unit.
    public let pieces: Int
    /// The affine map producing every piece.
    private let linear: Dense<Scalar>

    private var output: Matrix<Scalar>?
    private var winners: [Int] = []
    private var pieceGradient: Matrix<Scalar>?

    /// `outputCount` maxout units of `pieces` pieces over `inputCount` features.
    public init(inputCount: Int, outputCount: Int, pieces: Int = 2) {
        precondition(pieces >= 1, "Maxout needs at least one piece per unit")
        self.inputCount = inputCount
        self.outputCount = outputCount
        self.pieces = pieces
        linear = Dense(inputCount: inputCount, outputCount: outputCount * pieces)
    }

    /// `(outputCount·pieces) × inputCount`.
    public var weight: Parameter<Scalar> { linear.weight }
    /// `1 × (outputCount·pieces)`.
    public var bias: Parameter<Scalar> { linear.bias! }
    public var parameters: [Parameter<Scalar>] { linear.parameters }
    /// The engine of the affine map's products.
    public var engine: ComputeEngine {
        get { linear.engine }
        set { linear.engine = newValue }
    }
    public var description: String { "Maxout(\(inputCount) → \(outputCount), \(pieces) pieces)" }
    public var layerDescription: LayerDescription { describe(as: .maxout(pieces: pieces)) }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: Matrix<Scalar>, mode: Mode) throws -> Matrix<Scalar> {
        try validate(input)
        let z = try linear.forward(input, mode: mode)
        let result = Matrix.reuse(output, rows: input.rows, columns: outputCount)
        output = result
        if winners.count < input.rows * outputCount {
            winners = [Int](repeating: 0, count: input.rows * outputCount)
        }
        winners.withUnsafeMutableBufferPointer { best in
            for row in 0..<input.rows {
                let zRow = z.rowPointer(row), aRow = result.rowPointer(row)
                for unit in 0..<outputCount {
                    var winner = unit * pieces
                    for piece in (winner + 1)..<(winner + pieces) where zRow[piece] > zRow[winner] { winner = piece }
                    aRow[unit] = zRow[winner]
                    best[row * outputCount + unit] = winner
                }
            }
        }
        return result
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ outputGradient: Matrix<Scalar>, needsInputGradient: Bool) -> Matrix<Scalar>? {
        let rows = outputGradient.rows
        let dZ = Matrix.reuse(pieceGradient, rows: rows, columns: outputCount * pieces)
        pieceGradient = dZ
        dZ.fill(0)
        winners.withUnsafeBufferPointer { best in
            for row in 0..<rows {
                let dA = outputGradient.rowPointer(row), dRow = dZ.rowPointer(row)
                for unit in 0..<outputCount { dRow[best[row * outputCount + unit]] = dA[unit] }
            }
        }
        return linear.backward(dZ, needsInputGradient: needsInputGradient)
    }
}
