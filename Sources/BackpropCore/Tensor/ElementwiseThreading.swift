/// When the engine's element-wise C kernels (the Adam update, the ReLU derivative with its
/// bias gradient) split a tensor between two cores.
///
/// The split is by element (Adam) or by column (ReLU, so each bias sum stays on one
/// thread), so the result is the same bit for bit with one thread or two.
/// Below ``parallelElementLimit`` elements handing half to the helper thread costs more
/// than it saves.
public enum ElementwiseThreading {
    /// Tensors with at least this many elements are updated by two threads when
    /// ``BLASInfo/threadCount`` is above 1. Default 2¹⁵ (a 784 × 256 layer has 200 704).
    nonisolated(unsafe) public static var parallelElementLimit = 1 << 15

    /// The thread count for a kernel over `count` elements: 1 or 2.
    static func threads(forElements count: Int) -> Int32 {
        BLASThreading.maximumThreadCount > 1 && count >= parallelElementLimit ? 2 : 1
    }
}
