import CBackpropKernels
import Foundation

/// The code that multiplies single-precision matrices of two or more rows and columns.
///
/// ``native`` is Backprop's own AVX-512 kernel: a 12 × 32 register tile fed from packed panels,
/// or reading its operands in place when an untransposed `B` fits in cache (weight
/// gradients, small depths); dot products of rows when a transposed `B` meets few rows or
/// few columns of `C` (a dense layer's forward pass on a small batch or into a narrow layer);
/// products split over two cores by a long-lived helper thread. ``blas`` is the platform
/// BLAS (`sgemm`). The native kernel is chosen when the CPU has AVX-512 F/VL/BW/DQ unless
/// the environment variable `BACKPROP_GEMM=blas` asks otherwise. Vector products (one
/// column, or one row times an untransposed matrix) and every double-precision product
/// always go to BLAS.
///
/// Both kernels are deterministic; they agree to rounding (the native kernel is tested
/// against BLAS), and the native one gives the same bits for one or two threads.
public enum FloatGEMMKernel: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Backprop's AVX-512 micro-kernels (x86-64 only).
    case native
    /// The platform BLAS (OpenBLAS on Linux, Accelerate on Apple platforms).
    case blas

    /// An error from ``select(_:)``.
    public struct UnavailableError: BackpropError {
        public var message: String {
            "the native GEMM kernel needs an x86-64 CPU with AVX-512 (F, VL, BW, DQ); this one has none, use BLAS"
        }
    }

    /// Whether this CPU can run ``native``.
    public static var isNativeAvailable: Bool { backprop_sgemm_available() != 0 }

    /// The kernel products use now.
    public static var current: FloatGEMMKernel { selection }

    /// Makes products use `kernel` from now on.
    /// - Throws: ``UnavailableError`` when `kernel` is ``native`` and the CPU lacks AVX-512.
    public static func select(_ kernel: FloatGEMMKernel) throws {
        if kernel == .native && !isNativeAvailable { throw UnavailableError() }
        selection = kernel
    }

    /// Products of at least this many floating-point operations (`2·m·n·k`) are split
    /// across two cores by the native kernel when ``BLASInfo/threadCount`` is above 1.
    nonisolated(unsafe) public static var parallelFLOPLimit: Double = 4e6

    public var description: String {
        switch self {
        case .native: return "native AVX-512 (12×32 tile; dot products for small batches)"
        case .blas: return "\(BLASInfo.backendName) sgemm"
        }
    }

    nonisolated(unsafe) private static var selection: FloatGEMMKernel = defaultSelection()

    private static func defaultSelection() -> FloatGEMMKernel {
        if ProcessInfo.processInfo.environment["BACKPROP_GEMM"]?.lowercased() == "blas" {
            return .blas
        }
        return isNativeAvailable ? .native : .blas
    }

    /// A dense layer's forward pass in one sweep over its output when the native kernel
    /// runs: `Z ← X·Wᵀ + b` and, when `rectified` is given, `rectified ← max(Z, 0)`.
    ///
    /// `input` is `rows × inputCount`, `weight` `outputCount × inputCount`, `bias`
    /// `outputCount` values or `nil`, `preActivation` and `rectified` `rows × outputCount`.
    /// The result has the same bits as the product followed by the element-wise pass.
    /// - Returns: `false`, having done nothing, when the native kernel is not in use or the
    ///   product is a vector one (then the caller runs ``GEMM`` and its own pass).
    static func denseForward(
        rows: Int, inputCount: Int, outputCount: Int,
        input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        preActivation: UnsafeMutablePointer<Float>, rectified: UnsafeMutablePointer<Float>?
    ) -> Bool {
        guard takes(transposeA: false, transposeB: true, m: rows, n: outputCount) else { return false }
        backprop_sgemm_bias_relu(
            0, 1, rows, outputCount, inputCount, input, max(inputCount, 1), weight, max(inputCount, 1),
            preActivation, outputCount, bias, rectified, outputCount,
            threadCount(m: rows, n: outputCount, k: inputCount))
        return true
    }

    /// Whether the native kernel is in use and takes a product of these dimensions: every one
    /// with two or more rows and columns, and one row times a transposed matrix (its
    /// dot-product path); other vector products go to BLAS's `sgemv`.
    static func takes(transposeA: Bool, transposeB: Bool, m: Int, n: Int) -> Bool {
        current == .native && n > 1 && (m > 1 || (transposeB && !transposeA))
    }

    /// 2 when the product is large enough to split and more than one thread is allowed.
    static func threadCount(m: Int, n: Int, k: Int) -> Int32 {
        let flops = 2 * Double(m) * Double(n) * Double(k)
        return BLASThreading.maximumThreadCount > 1 && flops >= parallelFLOPLimit ? 2 : 1
    }

    /// Runs the native kernel, `C ← α·op(A)·op(B) + β·C`, on `threads` (1 or 2) cores.
    static func multiplyNatively(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int
    ) {
        backprop_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, Int32(threads))
    }
}
