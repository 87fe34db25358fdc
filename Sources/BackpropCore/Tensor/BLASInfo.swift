/// What the linear-algebra backend is and how it runs.
///
/// Describes ``BLASLibrary/current``, the library selected by `BACKPROP_BLAS` or
/// ``BLASLibrary/select(_:)``.
public enum BLASInfo {
    /// The library in use: `"OpenBLAS"` (the Linux default), `"BLIS"`, or `"Accelerate"` on
    /// Apple platforms.
    public static var backendName: String { BLASLibrary.current.name }

    /// The library's build configuration and the CPU kernel it selected
    /// (for example `"OpenBLAS 0.3.21 DYNAMIC_ARCH … Haswell; kernel Haswell"`).
    public static var configuration: String { BLASLibrary.current.configuration }

    /// The CPU kernel family the library dispatched to (OpenBLAS core name, BLIS
    /// sub-configuration).
    public static var kernelName: String { BLASLibrary.current.kernelName }

    /// The instruction set of the engine's own element-wise C kernels (the Adam update),
    /// chosen at run time from the CPU: `"avx512"`, `"avx2"` or `"baseline"`.
    public static var elementwiseKernel: String { FloatKernels.kernelLevel }

    /// The number of threads BLAS uses for large products (products below
    /// ``BLASThreading/singleThreadFLOPLimit`` run on one).
    public static var threadCount: Int {
        get {
            #if canImport(Accelerate)
            return 0
            #else
            return BLASThreading.maximumThreadCount
            #endif
        }
    }

    /// Sets the number of BLAS threads for large products (ignored on Accelerate, which
    /// manages its own).
    public static func setThreadCount(_ count: Int) {
        #if !canImport(Accelerate)
        BLASThreading.setMaximumThreadCount(count)
        #endif
    }
}

// MARK: - Threads per product

/// Chooses the BLAS thread count of each product from its size.
///
/// Waking a second BLAS thread costs tens of microseconds (more on a loaded machine, where
/// the helper thread also competes for a core) and OpenBLAS allocates a work buffer per
/// threaded call, so a product of fewer than ``singleThreadFLOPLimit`` floating-point
/// operations (`2·m·n·k`) runs on one thread; larger ones use ``BLASInfo/threadCount``.
/// The choice depends only on the shape, so a run stays deterministic; OpenBLAS's one- and
/// two-thread results may differ in the last bits. The count goes to the library in use
/// (``BLASLibrary/current``).
public enum BLASThreading {
    /// Products with fewer floating-point operations than this run single-threaded; 0
    /// threads every product.
    ///
    /// Default 10⁹: on the shared two-core machine of the benchmark suite (other processes
    /// running, half of the CPU time stolen by the hypervisor) two threads lost to one for
    /// every product of the suite, up to 128×1024·1024×1024 (268 MFLOP) and
    /// 1024×784·784×256 (411 MFLOP). On an otherwise idle machine a lower limit (about
    /// 5·10⁷) lets the larger products use both cores.
    nonisolated(unsafe) public static var singleThreadFLOPLimit: Double = 1e9

    nonisolated(unsafe) private static var maximum = 0
    nonisolated(unsafe) private static var current = 0

    /// The thread count large products use: the selected library's default until set.
    static var maximumThreadCount: Int {
        #if canImport(Accelerate)
        return 1
        #else
        if maximum == 0 {
            maximum = BLASLibrary.current.defaultThreadCount
            current = 0
        }
        return maximum
        #endif
    }

    static func setMaximumThreadCount(_ count: Int) {
        #if !canImport(Accelerate)
        maximum = max(count, 1)
        current = maximum
        BLASLibrary.selection.library.routines.setThreadCount(maximum)
        #endif
    }

    /// Hands the engine's thread count to a newly selected library.
    static func libraryChanged() {
        #if !canImport(Accelerate)
        if maximum != 0 { setMaximumThreadCount(maximum) }
        #endif
    }

    /// Sets the BLAS thread count for an `m × k` by `k × n` product (only when it changes).
    static func prepare(m: Int, n: Int, k: Int) {
        #if !canImport(Accelerate)
        let limit = maximumThreadCount
        let flops = 2 * Double(m) * Double(n) * Double(k)
        let wanted = limit > 1 && flops >= singleThreadFLOPLimit ? limit : 1
        if wanted != current {
            current = wanted
            BLASLibrary.selection.library.routines.setThreadCount(wanted)
        }
        #endif
    }
}
