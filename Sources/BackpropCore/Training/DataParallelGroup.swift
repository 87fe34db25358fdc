/// The processes that train one network together by data parallelism, as the training step
/// sees them: this process's ``rank`` among ``size`` processes and a sum of a buffer over all
/// of them. The core knows nothing of how the sum travels (MPI in `BackpropRuns`).
///
/// Every process runs the same step on its contiguous slice of each batch; one
/// ``allReduceSum(_:)`` per step adds the gradients up, so every process applies the same
/// update (see the DistributedTraining article).
public protocol DataParallelGroup: AnyObject {
    /// This process's index, `0 ..< size`; rank 0 alone prints and writes files.
    var rank: Int { get }
    /// The number of processes.
    var size: Int { get }
    /// Replaces every element of `buffer` with its sum over all processes, in the same order
    /// on every process (so every process gets bit-identical sums). A group that cannot
    /// reach its peers stops the process with a clear message rather than hang.
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>)
}

extension DataParallelGroup {
    /// The contiguous part of `range` this process takes: `size` near-equal slices in rank
    /// order, the larger ones last (`⌊count·r/size⌋ ..< ⌊count·(r+1)/size⌋`).
    public func slice(of range: Range<Int>) -> Range<Int> {
        let count = range.count
        return (range.lowerBound + count * rank / size)..<(range.lowerBound + count * (rank + 1) / size)
    }

    /// The sum of `values` over all processes.
    public func sum(_ values: [Double]) -> [Double] {
        var result = values
        result.withUnsafeMutableBufferPointer { allReduceSum($0) }
        return result
    }
}

/// A layer whose training pass depends on the processes sharing each batch: batch
/// normalisation sums its statistics over the group; dropout draws each example's mask from
/// the example's index in the whole batch. The trainer reaches layers through this
/// capability, never through their concrete types; both methods do nothing by default.
public protocol DataParallelLayer: AnyObject {
    /// Shares every training batch with `group` from now on (`nil`: one process).
    func join(_ group: (any DataParallelGroup)?)
    /// Called before each training batch that a group shares, with the index, in the whole
    /// batch, of this process's first row.
    func beginSlice(at firstExampleIndex: Int)
}

extension DataParallelLayer {
    public func join(_ group: (any DataParallelGroup)?) {}
    public func beginSlice(at firstExampleIndex: Int) {}
}

/// One process alone: rank 0 of 1, sums are the values themselves.
public final class SingleProcessGroup: DataParallelGroup {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) {}
}
