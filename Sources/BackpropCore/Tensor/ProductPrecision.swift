import CBackpropKernels

/// The precision of a `Float` network's matrix products (``ComputeEngine/precision``).
///
/// - ``float32``: products and sums in single precision (the default).
/// - ``bf16``: every element of both factors rounded to bfloat16 (8 significant bits, round
///   to nearest even, subnormals to zero), products and sums in float32 by AVX-512 BF16's
///   `vdpbf16ps`. Everything else stays float32: the weights the optimiser updates (master
///   weights), activations, gradients, the optimiser's state. Needs a CPU with AVX-512 BF16
///   (AMD Zen 4 and later, Intel Cooper Lake and Sapphire Rapids and later); AMX is not used.
///
/// Double-precision networks (gradient checks) ignore it.
public enum ProductPrecision: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Single precision throughout.
    case float32
    /// Factors rounded to bfloat16, sums in float32.
    case bf16

    /// The CPU feature this precision needs and this CPU lacks (`"avx512_bf16"`, as
    /// `/proc/cpuinfo` names it), or `nil` when it runs here.
    public var missingCPUFeature: String? {
        switch self {
        case .float32: return nil
        case .bf16: return backprop_sgemm_variant_available(Int32(BACKPROP_SGEMM_AVX512_BF16)) != 0 ? nil : "avx512_bf16"
        }
    }

    /// Throws unless this CPU computes in this precision.
    ///
    /// - Throws: ``NetworkError/unusable(what:reason:)`` naming the missing CPU flag.
    public func checkAvailable() throws {
        if let missing = missingCPUFeature {
            throw NetworkError.unusable(
                what: "precision \(rawValue)",
                reason: "this CPU (\(CPUDescription.current)) lacks \(missing); use precision float32")
        }
    }

    /// The value `x` takes as a factor of a ``bf16`` product: rounded to bfloat16 (to
    /// nearest even; subnormals to signed zero; NaN stays NaN) and widened back.
    public static func roundedToBF16(_ x: Float) -> Float { backprop_round_to_bf16(x) }

    public var description: String { rawValue }
}
