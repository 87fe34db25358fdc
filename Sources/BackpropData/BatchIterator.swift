import BackpropCore

/// The order in which an epoch visits the examples: shuffled (Fisher–Yates with the
/// injected generator) or sequential, cut into batches of `batchSize`.
///
/// The index order is one array reused from epoch to epoch; nothing else is allocated.
public struct BatchSampler: Sendable {
    /// The number of examples.
    public let count: Int
    /// Examples per batch (the last batch of an epoch may be smaller).
    public let batchSize: Int
    /// `true` to reshuffle at the start of every epoch.
    public let shuffles: Bool
    /// `true` to skip a last batch smaller than ``batchSize``.
    public let dropsLast: Bool
    /// The generator used for shuffling.
    public private(set) var random: RandomGenerator
    /// The current epoch's order of example indices.
    public private(set) var order: [Int]
    private var position = 0

    /// A sampler over `count` examples; call ``beginEpoch()`` before the first batch.
    public init(count: Int, batchSize: Int, shuffles: Bool = true, dropsLast: Bool = false, random: RandomGenerator) {
        precondition(batchSize > 0, "The batch size must be positive, got \(batchSize)")
        self.count = count
        self.batchSize = batchSize
        self.shuffles = shuffles
        self.dropsLast = dropsLast
        self.random = random
        self.order = Array(0..<count)
        self.position = count
    }

    /// The number of batches in one epoch.
    public var batchesPerEpoch: Int {
        dropsLast ? count / batchSize : (count + batchSize - 1) / batchSize
    }

    /// Starts a new epoch: resets the order to `0..<count` and shuffles it when
    /// ``shuffles`` is set (so the order depends only on the seed and the epoch number).
    public mutating func beginEpoch() {
        for index in 0..<count { order[index] = index }
        if shuffles { random.shuffle(&order) }
        position = 0
    }

    /// The indices of the next batch of this epoch, or `nil` when the epoch is over.
    public mutating func nextBatch() -> ArraySlice<Int>? {
        let remaining = count - position
        guard remaining > 0, !(dropsLast && remaining < batchSize) else { return nil }
        let size = min(batchSize, remaining)
        defer { position += size }
        return order[position..<(position + size)]
    }
}

/// Shuffled mini-batches of a ``Dataset`` gathered into reused buffers.
///
/// Each batch copies only its own rows (`batchSize × features` and `batchSize × outputs`)
/// into matrices owned by the iterator; the matrices are resized, not reallocated, for the
/// smaller last batch. The returned matrices are overwritten by the next call — copy them
/// to keep them.
///
/// ```swift
/// let batches = BatchIterator(dataset: train, batchSize: 32, random: RandomGenerator(seed: 1))
/// for _ in 0..<epochs {
///     batches.beginEpoch()
///     while let batch = batches.next() { /* batch.features, batch.targets */ }
/// }
/// ```
public final class BatchIterator<Scalar: NetworkScalar> {
    /// One mini-batch; the matrices belong to the iterator and are reused.
    public struct Batch {
        /// `size × featureCount`.
        public let features: Matrix<Scalar>
        /// `size × outputCount`.
        public let targets: Matrix<Scalar>
        /// The dataset row of each batch row.
        public let indices: ArraySlice<Int>
        /// The number of examples in the batch.
        public var size: Int { indices.count }
    }

    /// The dataset iterated over.
    public let dataset: Dataset<Scalar>
    /// The index order.
    public private(set) var sampler: BatchSampler
    private let featureBuffer: Matrix<Scalar>
    private let targetBuffer: Matrix<Scalar>

    /// An iterator over `dataset` in batches of `batchSize` (capped at the dataset size).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public init(dataset: Dataset<Scalar>, batchSize: Int, shuffles: Bool = true, dropsLast: Bool = false, random: RandomGenerator) {
        self.dataset = dataset
        let size = max(1, min(batchSize, max(dataset.count, 1)))
        sampler = BatchSampler(count: dataset.count, batchSize: size, shuffles: shuffles, dropsLast: dropsLast, random: random)
        featureBuffer = Matrix(rows: size, columns: dataset.featureCount)
        targetBuffer = Matrix(rows: size, columns: dataset.outputCount)
    }

    /// The number of batches in one epoch.
    public var batchesPerEpoch: Int { sampler.batchesPerEpoch }

    /// Starts a new epoch (reshuffling when enabled).
    public func beginEpoch() {
        sampler.beginEpoch()
    }

    /// Gathers the next batch into the reused buffers, or returns `nil` at the end of the epoch.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func next() -> Batch? {
        guard let indices = sampler.nextBatch() else { return nil }
        featureBuffer.resize(rows: indices.count)
        targetBuffer.resize(rows: indices.count)
        let featureCount = dataset.featureCount, outputCount = dataset.outputCount
        for (row, index) in indices.enumerated() {
            featureBuffer.rowPointer(row).update(from: dataset.features.rowPointer(index), count: featureCount)
            targetBuffer.rowPointer(row).update(from: dataset.targets.rowPointer(index), count: outputCount)
        }
        return Batch(features: featureBuffer, targets: targetBuffer, indices: indices)
    }
}
