/// How an epoch splits into batches: `⌊m/b⌋` full batches of `b` examples plus
/// one smaller final batch of `m mod b` examples when that is not zero.
///
/// `b = m` is batch gradient descent, `b = 1` stochastic gradient descent, anything in
/// between mini-batch gradient descent. A batch size larger than the set is clamped to it.
///
/// ```swift
/// BatchPlan(exampleCount: 200, batchSize: 5).batchesPerEpoch          // 40
/// BatchPlan(exampleCount: 60_000, batchSize: 64).updates(epochs: 100) // 93_800
/// ```
public struct BatchPlan: Sendable, Hashable, Codable {
    /// Examples per epoch, `m`.
    public let exampleCount: Int
    /// Examples per full batch, `b` (at most `m`).
    public let batchSize: Int

    /// The plan for `exampleCount` examples in batches of `batchSize`.
    ///
    /// - Throws: ``TrainingError/invalidOptions(_:)`` for an empty set or a batch size below 1.
    public init(exampleCount: Int, batchSize: Int) throws {
        guard exampleCount > 0 else { throw TrainingError.invalidOptions("The training set is empty") }
        guard batchSize > 0 else { throw TrainingError.invalidOptions("The batch size must be at least 1, got \(batchSize)") }
        self.exampleCount = exampleCount
        self.batchSize = min(batchSize, exampleCount)
    }

    /// `⌊m/b⌋`.
    public var fullBatchCount: Int { exampleCount / batchSize }
    /// `m mod b`: the size of the final smaller batch, 0 when there is none.
    public var remainder: Int { exampleCount % batchSize }
    /// Updates per epoch: `⌊m/b⌋ + (m mod b ≠ 0 ? 1 : 0)`.
    public var batchesPerEpoch: Int { fullBatchCount + (remainder == 0 ? 0 : 1) }

    /// Updates over `epochs` epochs.
    public func updates(epochs: Int) -> Int { batchesPerEpoch * epochs }

    /// Optimiser steps per epoch when the gradients of `n` batches are accumulated per step:
    /// `⌈batchesPerEpoch / n⌉` (the last step takes the batches left over).
    public func updatesPerEpoch(accumulating n: Int) -> Int {
        precondition(n >= 1, "At least one batch per update, got \(n)")
        return (batchesPerEpoch + n - 1) / n
    }

    /// The batches of the epoch's update `index` when `n` batches make one update.
    public func batches(ofUpdate index: Int, accumulating n: Int) -> Range<Int> {
        precondition(index >= 0 && index < updatesPerEpoch(accumulating: n), "Update \(index) is outside 0..<\(updatesPerEpoch(accumulating: n))")
        return index * n..<min((index + 1) * n, batchesPerEpoch)
    }

    /// The positions in the epoch's permutation covered by batch `index`.
    public func range(ofBatch index: Int) -> Range<Int> {
        precondition(index >= 0 && index < batchesPerEpoch, "Batch \(index) is outside 0..<\(batchesPerEpoch)")
        let start = index * batchSize
        return start..<min(start + batchSize, exampleCount)
    }

    /// The kind of gradient descent this plan amounts to.
    public var kind: String {
        batchSize == exampleCount ? "batch" : batchSize == 1 ? "stochastic" : "mini-batch"
    }
}
