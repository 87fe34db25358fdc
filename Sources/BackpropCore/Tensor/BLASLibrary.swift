#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif
import Foundation

/// One BLAS library the engine can multiply with, and the entry points it calls.
///
/// On Linux the choices are OpenBLAS (linked at build time, the default) and BLIS (opened at
/// run time from `libblis.so.4`, so it is never a build dependency); on Apple platforms
/// Accelerate. ``current`` is the library products use now; ``load(_:)`` gives a library
/// without selecting it and ``select(_:)`` makes it the current one.
///
/// Every routine takes row-major buffers: `lda`, `ldb`, `ldc` are row strides as stored.
public struct BLASLibrary: Sendable, CustomStringConvertible {
    // MARK: - Kinds

    /// The BLAS libraries Backprop knows, named as the environment variable
    /// ``environmentVariable`` spells them.
    public enum Kind: String, Sendable, CaseIterable, CustomStringConvertible {
        /// OpenBLAS, linked at build time (Linux).
        case openBLAS = "openblas"
        /// BLIS, opened at run time from `libblis.so.4` (Linux).
        case blis = "blis"
        /// Apple's Accelerate framework (Apple platforms).
        case accelerate = "accelerate"

        /// The spelling of ``environmentVariable``: `"openblas"`, `"blis"` or `"accelerate"`.
        public var description: String { rawValue }
    }

    // MARK: - Description

    /// Which library this is.
    public let kind: Kind
    /// The library's name: `"OpenBLAS"`, `"BLIS"` or `"Accelerate"`.
    public let name: String
    /// The library's version, for example `"0.3.21"` (`"system"` for Accelerate).
    public let version: String
    /// The build configuration, where it was loaded from and the CPU kernel it selected,
    /// for example `"OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64; kernel Haswell"`.
    public let configuration: String
    /// The CPU kernel family the library dispatched to: OpenBLAS's core name (`"Haswell"`),
    /// BLIS's sub-configuration (`"haswell"`, `"skx"`, `"zen3"`, …), `"system"` for Accelerate.
    public let kernelName: String
    /// The thread count the library would use by itself: OpenBLAS's default (cores or
    /// `OPENBLAS_NUM_THREADS`), BLIS's `BLIS_NUM_THREADS` / `OMP_NUM_THREADS` or else the
    /// number of active processors, 1 for Accelerate (which manages its own threads).
    public let defaultThreadCount: Int

    let routines: BLASRoutines

    /// `"<name> <version> (<kernel>)"`.
    public var description: String { "\(name) \(version) (\(kernelName))" }

    init(kind: Kind, name: String, version: String, configuration: String, kernelName: String,
         defaultThreadCount: Int, routines: BLASRoutines) {
        self.kind = kind
        self.name = name
        self.version = version
        self.configuration = configuration
        self.kernelName = kernelName
        self.defaultThreadCount = defaultThreadCount
        self.routines = routines
    }

    // MARK: - Entry points

    /// `sgemm`: `C ← α·op(A)·op(B) + β·C` in single precision, row-major.
    ///
    /// `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`.
    public func sgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        routines.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                       alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    /// `dgemm`: `C ← α·op(A)·op(B) + β·C` in double precision, row-major.
    ///
    /// `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`.
    public func dgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        routines.dgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                       alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    /// `sgemv`: `y ← α·op(A)·x + β·y` in single precision, `A` stored row-major as
    /// `rows × columns` with row stride `lda`.
    ///
    /// `x` has `columns` elements (`rows` when `transpose`) spaced `incrementX` apart; `y`
    /// has `rows` (`columns` when `transpose`) spaced `incrementY` apart.
    public func sgemv(
        transpose: Bool, rows: Int, columns: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        x: UnsafePointer<Float>, incrementX: Int, beta: Float, y: UnsafeMutablePointer<Float>, incrementY: Int
    ) {
        routines.sgemv(transpose: transpose, rows: rows, columns: columns, alpha: alpha, a: a, lda: lda,
                       x: x, incrementX: incrementX, beta: beta, y: y, incrementY: incrementY)
    }

    /// Sets the number of threads the library's products use (at least 1; ignored by
    /// Accelerate). The count is a process-wide setting of the library; products through
    /// ``GEMM`` set it from their ``ComputeEngine`` when it differs from what they need.
    public func setThreadCount(_ count: Int) {
        routines.setThreadCount(max(count, 1))
        BLASThreading.forgetLibraryThreadCount()
    }
}

// MARK: - Routines

/// The entry points of one library as plain function references, so a product reaches its
/// library without reference counting.
enum BLASRoutines: Sendable {
    /// The library linked at build time: OpenBLAS on Linux, Accelerate on Apple platforms.
    case linked
    #if canImport(Glibc)
    /// BLIS, opened with `dlopen`.
    case blis(BLISEntryPoints)
    #endif

    func sgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        switch self {
        case .linked:
            cblas_sgemm(
                CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                blasInt(m), blasInt(n), blasInt(k), alpha, a, blasInt(lda), b, blasInt(ldb),
                beta, c, blasInt(ldc))
        #if canImport(Glibc)
        case .blis(let blis):
            blis.sgemm(
                BLISEntryPoints.rowMajor, BLISEntryPoints.transpose(transposeA), BLISEntryPoints.transpose(transposeB),
                blasInt(m), blasInt(n), blasInt(k), alpha, a, blasInt(lda), b, blasInt(ldb),
                beta, c, blasInt(ldc))
        #endif
        }
    }

    func dgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        switch self {
        case .linked:
            cblas_dgemm(
                CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                blasInt(m), blasInt(n), blasInt(k), alpha, a, blasInt(lda), b, blasInt(ldb),
                beta, c, blasInt(ldc))
        #if canImport(Glibc)
        case .blis(let blis):
            blis.dgemm(
                BLISEntryPoints.rowMajor, BLISEntryPoints.transpose(transposeA), BLISEntryPoints.transpose(transposeB),
                blasInt(m), blasInt(n), blasInt(k), alpha, a, blasInt(lda), b, blasInt(ldb),
                beta, c, blasInt(ldc))
        #endif
        }
    }

    func sgemv(
        transpose: Bool, rows: Int, columns: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        x: UnsafePointer<Float>, incrementX: Int, beta: Float, y: UnsafeMutablePointer<Float>, incrementY: Int
    ) {
        switch self {
        case .linked:
            cblas_sgemv(
                CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, blasInt(rows), blasInt(columns),
                alpha, a, blasInt(lda), x, blasInt(incrementX), beta, y, blasInt(incrementY))
        #if canImport(Glibc)
        case .blis(let blis):
            blis.sgemv(
                BLISEntryPoints.rowMajor, BLISEntryPoints.transpose(transpose), blasInt(rows), blasInt(columns),
                alpha, a, blasInt(lda), x, blasInt(incrementX), beta, y, blasInt(incrementY))
        #endif
        }
    }

    func setThreadCount(_ count: Int) {
        switch self {
        case .linked:
            #if !canImport(Accelerate)
            openblas_set_num_threads(Int32(clamping: count))
            #endif
        #if canImport(Glibc)
        case .blis(let blis):
            blis.setThreadCount(Int64(count))
        #endif
        }
    }
}

// MARK: - The linked library

extension BLASLibrary {
    /// The library linked at build time: OpenBLAS on Linux, Accelerate on Apple platforms.
    static func linked() -> BLASLibrary {
        #if canImport(Accelerate)
        return BLASLibrary(
            kind: .accelerate, name: "Accelerate", version: "system", configuration: "Accelerate (system)",
            kernelName: "system", defaultThreadCount: 1, routines: .linked)
        #else
        let config = openblas_get_config().map { String(cString: $0) } ?? "unknown"
        let core = openblas_get_corename().map { String(cString: $0) } ?? "unknown"
        // The configuration string starts "OpenBLAS <version> …".
        let words = config.split(separator: " ")
        let version = words.count > 1 && words[0] == "OpenBLAS" ? String(words[1]) : "unknown"
        return BLASLibrary(
            kind: .openBLAS, name: "OpenBLAS", version: version, configuration: "\(config); kernel \(core)",
            kernelName: core, defaultThreadCount: max(Int(openblas_get_num_threads()), 1), routines: .linked)
        #endif
    }
}
