import Foundation

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
}

// MARK: - Threads per product

/// Sets the BLAS thread count of each product from its size and the caller's
/// ``ComputeEngine``.
///
/// A product of fewer than ``ComputeEngine/blasParallelFLOPLimit`` floating-point
/// operations (`2·m·n·k`) runs on one thread, larger ones on ``ComputeEngine/threadCount``.
/// The choice depends only on the shape and the engine, so a run stays deterministic. The
/// count goes to the library in use (``BLASLibrary/current``), where it is a process-wide
/// setting (`openblas_set_num_threads`, `bli_thread_set_num_threads`): it is set just
/// before each product that needs a different count than the previous one. Products
/// computed at the same time on several threads (parallel tests, concurrent trials) share
/// that one setting; a lock keeps the remembered count equal to the library's.
enum BLASThreading {
    /// The count last handed to the library, 0 when unknown (before the first product, after
    /// a library change). It mirrors the library's own process-wide setting, which is why it
    /// is process-wide itself; read and written only under ``lock``.
    nonisolated(unsafe) private static var libraryThreadCount = 0
    private static let lock = NSLock()

    /// Makes the next product set the library's count (after a library change, or a count
    /// set from outside through ``BLASLibrary/setThreadCount(_:)``).
    static func forgetLibraryThreadCount() {
        lock.withLock { libraryThreadCount = 0 }
    }

    /// Sets the BLAS thread count for an `m × k` by `k × n` product run for `engine` (only
    /// when it changes).
    static func prepare(m: Int, n: Int, k: Int, engine: ComputeEngine) {
        #if !canImport(Accelerate)
        let wanted = engine.blasThreads(m: m, n: n, k: k)
        lock.withLock {
            if wanted != libraryThreadCount {
                libraryThreadCount = wanted
                BLASLibrary.selection.library.routines.setThreadCount(wanted)
            }
        }
        #endif
    }
}
