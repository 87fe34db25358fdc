/// Copies the rows of a batch, chosen by an index permutation, into buffers it reuses for
/// every batch: after the first (largest) batch nothing is allocated.
///
/// ``allocationCount`` counts the buffers it ever created, so a test can verify the reuse.
public final class BatchGatherer<Scalar: NetworkScalar> {
    /// `b × features`, resized per batch.
    public private(set) var features: Matrix<Scalar>
    /// `b × outputs`, resized per batch.
    public private(set) var targets: Matrix<Scalar>
    /// Buffers created so far (2 after construction).
    public private(set) var allocationCount = 2

    /// Buffers for batches of up to `capacity` rows.
    public init(capacity: Int, featureCount: Int, outputCount: Int) {
        features = Matrix(rows: capacity, columns: featureCount)
        targets = Matrix(rows: capacity, columns: outputCount)
    }

    /// Fills the buffers with the rows `indices` of `data`, in that order; in `Float` the
    /// feature rows of a large batch are copied on two cores when `engine` allows.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func gather(_ indices: ArraySlice<Int>, from data: Dataset<Scalar>, engine: ComputeEngine = .default) {
        let rows = indices.count
        if rows > features.rowCapacity {
            features = Matrix(rows: rows, columns: features.columns)
            targets = Matrix(rows: rows, columns: targets.columns)
            allocationCount += 2
        }
        features.resize(rows: rows)
        targets.resize(rows: rows)
        let featureCount = features.columns
        if Scalar.self == Float.self {
            FloatKernels.gatherRows(indices, of: FloatKernels.floats(data.features.base), rowLength: featureCount,
                                    into: FloatKernels.floats(features.base), engine: engine)
        } else {
            copyRows(indices, of: data.features, into: features)
        }
        copyRows(indices, of: data.targets, into: targets)
    }

    /// `destination` row `r` = `source` row `indices[r]`.
    private func copyRows(_ indices: ArraySlice<Int>, of source: Matrix<Scalar>, into destination: Matrix<Scalar>) {
        // Plain index loops: generic iterators (zip) box their elements when unspecialised.
        var row = 0
        for position in indices.indices {
            destination.rowPointer(row).update(from: source.rowPointer(indices[position]), count: source.columns)
            row += 1
        }
    }
}
