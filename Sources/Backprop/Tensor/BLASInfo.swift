#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// What the linear-algebra backend is and how it runs.
public enum BLASInfo {
    /// The library in use: `"OpenBLAS"` on Linux, `"Accelerate"` on Apple platforms.
    public static var backendName: String {
        #if canImport(Accelerate)
        return "Accelerate"
        #else
        return "OpenBLAS"
        #endif
    }

    /// The library's build configuration and the CPU kernel it selected
    /// (for example `"OpenBLAS 0.3.21 DYNAMIC_ARCH … Haswell"`).
    public static var configuration: String {
        #if canImport(Accelerate)
        return "Accelerate (system)"
        #else
        let config = openblas_get_config().map { String(cString: $0) } ?? "unknown"
        let core = openblas_get_corename().map { String(cString: $0) } ?? "unknown"
        return "\(config); kernel \(core)"
        #endif
    }

    /// The CPU kernel family the library dispatched to (OpenBLAS core name).
    public static var kernelName: String {
        #if canImport(Accelerate)
        return "system"
        #else
        return openblas_get_corename().map { String(cString: $0) } ?? "unknown"
        #endif
    }

    /// The number of threads BLAS uses for large products.
    public static var threadCount: Int {
        get {
            #if canImport(Accelerate)
            return 0
            #else
            return Int(openblas_get_num_threads())
            #endif
        }
    }

    /// Sets the number of BLAS threads (ignored on Accelerate, which manages its own).
    public static func setThreadCount(_ count: Int) {
        #if !canImport(Accelerate)
        openblas_set_num_threads(Int32(count))
        #endif
    }
}
