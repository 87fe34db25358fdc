import CBackpropKernels
import Foundation

/// The code that multiplies single-precision matrices of two or more rows and columns.
///
/// - ``nativeAVX512``: Backprop's AVX-512 kernel, a 12 × 32 register tile fed from packed
///   panels, or reading its operands in place when an untransposed `B` fits in cache (weight
///   gradients, small depths); dot products of rows when a transposed `B` meets few rows or
///   few columns of `C` (a dense layer's forward pass on a small batch or into a narrow layer).
/// - ``nativeAVX2``: Backprop's AVX2 + FMA kernel, a 6 × 16 register tile fed from packed
///   panels, reading `B` in place for shallow products and taking dot products of rows where
///   ``nativeAVX512`` does; the choice on CPUs with AVX2 but no AVX-512.
/// - ``blas``: the platform BLAS (`sgemm`).
///
/// The native kernels split products over two cores by a long-lived helper thread. Each
/// ``ComputeEngine`` names the kernel its products use (``ComputeEngine/floatGEMMKernel``);
/// the default engine takes the one ``automatic(for:)`` picks for the CPU unless the
/// environment variable `BACKPROP_GEMM` names another. Vector products (one column, or one
/// row times an untransposed matrix) and every double-precision product always go to BLAS.
///
/// All kernels are deterministic; they agree to rounding (the native ones are tested against
/// BLAS), and a native one gives the same bits for one or two threads.
public enum FloatGEMMKernel: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Backprop's AVX-512 micro-kernels (x86-64 with AVX-512 F/VL/BW/DQ/CD).
    case nativeAVX512 = "native-avx512"
    /// Backprop's AVX2 + FMA micro-kernels (x86-64 with AVX2 and FMA).
    case nativeAVX2 = "native-avx2"
    /// The platform BLAS (OpenBLAS on Linux, Accelerate on Apple platforms).
    case blas

    /// Whether this CPU can run the kernel (always for ``blas``).
    public var isAvailable: Bool { missingCPUFeatures == nil }

    /// The CPU features the kernel needs and this CPU lacks, as `/proc/cpuinfo` names them
    /// (`"avx512f, avx512vl, avx512bw, avx512dq, avx512cd"`), or `nil` when it runs here.
    public var missingCPUFeatures: String? {
        switch self {
        case .nativeAVX512:
            return backprop_sgemm_variant_available(Int32(BACKPROP_SGEMM_AVX512)) != 0 ? nil : "avx512f, avx512vl, avx512bw, avx512dq, avx512cd"
        case .nativeAVX2:
            return backprop_sgemm_variant_available(Int32(BACKPROP_SGEMM_AVX2)) != 0 ? nil : "avx2, fma"
        case .blas:
            return nil
        }
    }

    /// The best kernel this CPU runs: ``automatic(for:)`` of ``CPUDescription/current``.
    public static var best: FloatGEMMKernel { automatic(for: .current).kernel }

    /// The kernel for `cpu` and why: ``nativeAVX512`` with AVX-512 (tile and blocking as
    /// measured on AMD Zen 4; every other AVX-512 micro-architecture — Intel Skylake-SP to
    /// Emerald Rapids, AMD Zen 5 — runs the same until measured), else ``nativeAVX2`` with
    /// AVX2 and FMA, else ``blas``.
    ///
    /// ``nativeAVX2`` was measured on AMD Zen 4 against OpenBLAS's Haswell kernel, both held
    /// to 256-bit code: level on one thread (0.91–1.08 of its training-step time on the
    /// benchmark's shapes) and 1.06–1.75 times faster on two, where OpenBLAS keeps products
    /// below 10⁹ FLOP on one thread; its results also do not depend on the thread count.
    public static func automatic(for cpu: CPUDescription) -> (kernel: FloatGEMMKernel, reason: String) {
        let name = cpu.microArchitecture ?? "this CPU"
        if cpu.hasAVX512 {
            let tuning = cpu.microArchitecture == "AMD Zen 4" ? "blocking measured on it" : "blocking as on AMD Zen 4 until measured on \(name)"
            return (.nativeAVX512, "\(name) has AVX-512; \(tuning)")
        }
        if cpu.hasAVX2FMA {
            return (.nativeAVX2, "\(name) has AVX2 and FMA but no AVX-512; blocking as on AMD Zen 4 held to AVX2 until measured on \(name)")
        }
        return (.blas, "\(name) has neither AVX-512 nor AVX2 with FMA")
    }

    /// The C variant a native kernel runs, `nil` for ``blas``.
    var variant: Int32? {
        switch self {
        case .nativeAVX512: return Int32(BACKPROP_SGEMM_AVX512)
        case .nativeAVX2: return Int32(BACKPROP_SGEMM_AVX2)
        case .blas: return nil
        }
    }

    public var description: String {
        switch self {
        case .nativeAVX512: return "native AVX-512 (12×32 tile; dot products for small batches)"
        case .nativeAVX2: return "native AVX2+FMA (6×16 tile; dot products for small batches)"
        case .blas: return "\(BLASInfo.backendName) sgemm"
        }
    }

    /// A dense layer's forward pass in one sweep over its output when a native kernel runs:
    /// `Z ← X·Wᵀ + b` and, when `rectified` is given, `rectified ← max(Z, 0)`.
    ///
    /// `input` is `rows × inputCount`, `weight` `outputCount × inputCount`, `bias`
    /// `outputCount` values or `nil`, `preActivation` and `rectified` `rows × outputCount`.
    /// The result has the same bits as the product followed by the element-wise pass.
    /// - Returns: `false`, having done nothing, when `engine` does not use a native kernel or
    ///   the product is a vector one (then the caller runs ``GEMM`` and its own pass).
    static func denseForward(
        rows: Int, inputCount: Int, outputCount: Int,
        input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        preActivation: UnsafeMutablePointer<Float>, rectified: UnsafeMutablePointer<Float>?,
        engine: ComputeEngine
    ) -> Bool {
        guard let variant = nativeVariant(transposeA: false, transposeB: true, m: rows, n: outputCount, engine: engine)
        else { return false }
        backprop_sgemm_bias_relu(
            variant, 0, 1, rows, outputCount, inputCount, input, max(inputCount, 1), weight, max(inputCount, 1),
            preActivation, outputCount, bias, rectified, outputCount,
            engine.nativeThreads(m: rows, n: outputCount, k: inputCount))
        return true
    }

    /// The C variant that computes a product of these dimensions for `engine`, or `nil` when
    /// it goes to BLAS: with ``ProductPrecision/bf16``, the bfloat16 variant for every
    /// product; otherwise the engine's native kernel for every product with two or more rows
    /// and columns, and (AVX-512 only, its dot-product path) one row times a transposed
    /// matrix; other vector products go to BLAS's `sgemv`.
    static func nativeVariant(transposeA: Bool, transposeB: Bool, m: Int, n: Int, engine: ComputeEngine) -> Int32? {
        if engine.precision == .bf16 { return Int32(BACKPROP_SGEMM_AVX512_BF16) }
        let kernel = engine.floatGEMMKernel
        guard let variant = kernel.variant, n > 1 else { return nil }
        return m > 1 || (kernel == .nativeAVX512 && transposeB && !transposeA) ? variant : nil
    }

    /// Runs C variant `variant`, `C ← α·op(A)·op(B) + β·C`, on `threads` (1 or 2) cores.
    static func multiplyNatively(
        variant: Int32, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int
    ) {
        backprop_sgemm(variant, transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
                       Int32(threads))
    }
}
