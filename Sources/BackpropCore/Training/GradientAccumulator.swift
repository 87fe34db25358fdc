/// Sums the gradients of consecutive batches so that one optimiser step follows several
/// batches (gradient accumulation, ``TrainingOptions/accumulationSteps``).
///
/// Each batch `j` of `m_j` rows leaves its batch-mean gradient `g_j` (penalty included) in the
/// parameters; ``add(rows:cost:)`` adds `m_j·g_j` to a sum, and ``finish()`` writes
///
/// `g = Σ_j m_j·g_j / Σ_j m_j`
///
/// back into the parameters' gradients: the batch-mean gradient of all the rows seen, as
/// one batch made of them would give (the penalty gradient, the same in every `g_j` since no
/// weight changes in between, counts once). The cost is averaged the same way. The sums are
/// allocated once, at creation; adding and finishing allocate nothing.
final class GradientAccumulator<Scalar: NetworkScalar> {
    private let parameters: [Parameter<Scalar>]
    private let sums: [Matrix<Scalar>]
    private var rows = 0
    private var cost = 0.0

    /// Sums shaped like the gradients of `parameters`.
    init(parameters: [Parameter<Scalar>]) {
        self.parameters = parameters
        sums = parameters.map { Matrix(rows: $0.gradient.rows, columns: $0.gradient.columns) }
    }

    /// Adds the gradients now in the parameters, from a batch of `rows` rows whose cost was `cost`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func add(rows batchRows: Int, cost batchCost: Double) {
        let weight = Scalar(batchRows), first = rows == 0
        for (parameter, sum) in zip(parameters, sums) {
            let g = parameter.gradient.base, s = sum.base
            if first {
                for i in 0..<sum.count { s[i] = weight * g[i] }
            } else {
                for i in 0..<sum.count { s[i] += weight * g[i] }
            }
        }
        cost = first ? Double(batchRows) * batchCost : cost + Double(batchRows) * batchCost
        rows += batchRows
    }

    /// Puts the row-weighted mean gradient into the parameters, returns the row-weighted
    /// mean cost and starts a new sum.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func finish() -> Double {
        precondition(rows > 0, "GradientAccumulator.finish() with no batch added")
        let count = Scalar(rows)
        for (parameter, sum) in zip(parameters, sums) {
            let g = parameter.gradient.base, s = sum.base
            for i in 0..<sum.count { g[i] = s[i] / count }
        }
        let mean = cost / Double(rows)
        rows = 0
        cost = 0
        return mean
    }
}
