extension Matrix {
    /// Writes the column sums `Σ_rows self` into the `1 × columns` matrix `result`.
    @inlinable
    public func sumRows(into result: Matrix<Scalar>) {
        precondition(result.count == columns, "sumRows needs a result of \(columns) elements, got \(result.count)")
        if Scalar.self == Float.self {
            FloatKernels.columnSums(FloatKernels.floats(base), rows: rows, columns: columns, into: FloatKernels.floats(result.base))
            return
        }
        let sums = result.base
        sums.update(repeating: 0, count: columns)
        for row in 0..<rows {
            let source = rowPointer(row)
            for j in 0..<columns { sums[j] += source[j] }
        }
    }

    /// The sum of squares of the active elements, `‖self‖²_F`.
    @inlinable
    public func squaredNorm() -> Scalar {
        var total: Scalar = 0
        for i in 0..<count { total += base[i] * base[i] }
        return total
    }

    /// The sum of absolute values of the active elements, `Σ|x|`.
    @inlinable
    public func absoluteSum() -> Scalar {
        var total: Scalar = 0
        for i in 0..<count { total += Swift.abs(base[i]) }
        return total
    }

    /// The largest magnitude `max |x|` of the active elements (0 for none): `+∞` when one is
    /// infinite and none is NaN, NaN when one is NaN.
    @inlinable
    public func largestMagnitude() -> Scalar {
        if Scalar.self == Float.self {
            return Scalar(FloatKernels.largestMagnitude(FloatKernels.floats(base), count: count))
        }
        var largest: Scalar = 0
        for i in 0..<count {
            let magnitude = Swift.abs(base[i])
            if magnitude.isNaN { return magnitude }
            if magnitude > largest { largest = magnitude }
        }
        return largest
    }

    /// The position of the first NaN or infinite element, or `nil` when all are finite.
    ///
    /// A first pass sums `x·0` (in C for `Float`, over four accumulators for `Double`): the
    /// sum is 0 when every `x` is finite and NaN otherwise (`±∞·0` and `NaN·0` are NaN). Only
    /// then does a second pass look for the position, so the check of every input batch costs
    /// one streaming pass. With an `engine` (for `Float`), the first pass runs on as many
    /// threads as its element-wise kernels do.
    @inlinable
    public func firstNonFinite(using engine: ComputeEngine? = nil) -> (row: Int, column: Int)? {
        let total = count
        if Scalar.self == Float.self {
            guard !FloatKernels.allFinite(FloatKernels.floats(base), count: total, engine: engine) else { return nil }
            for i in 0..<total where !base[i].isFinite { return (i / Swift.max(columns, 1), i % Swift.max(columns, 1)) }
            return nil
        }
        var lanes: (Scalar, Scalar, Scalar, Scalar) = (0, 0, 0, 0)
        var index = 0
        while index + 4 <= total {
            lanes.0 += base[index] * 0
            lanes.1 += base[index + 1] * 0
            lanes.2 += base[index + 2] * 0
            lanes.3 += base[index + 3] * 0
            index += 4
        }
        while index < total {
            lanes.0 += base[index] * 0
            index += 1
        }
        if (lanes.0 + lanes.1 + lanes.2 + lanes.3).isFinite { return nil }
        for i in 0..<total where !base[i].isFinite { return (i / Swift.max(columns, 1), i % Swift.max(columns, 1)) }
        return nil
    }

    /// The index of the largest element of each row (the first one on ties).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func argmaxPerRow() -> [Int] {
        (0..<rows).map { row in
            let values = rowPointer(row)
            var best = 0
            for j in 1..<Swift.max(columns, 1) where values[j] > values[best] { best = j }
            return best
        }
    }
}
