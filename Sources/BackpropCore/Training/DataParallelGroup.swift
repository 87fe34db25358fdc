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

/// One process alone: rank 0 of 1, sums are the values themselves.
public final class SingleProcessGroup: DataParallelGroup {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) {}
}
