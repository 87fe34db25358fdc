import CBackpropKernels

/// The processor running this process as the product kernels see it: the vendor, family
/// and model that `cpuid` reports, the vector features the kernels use, and the
/// micro-architecture they name.
///
/// ```swift
/// CPUDescription.current.description
/// // "AMD Zen 4 (AuthenticAMD, family 25, model 17; AVX-512, AVX-512 BF16, AVX2+FMA)"
/// ```
public struct CPUDescription: Sendable, Hashable, CustomStringConvertible {
    /// `"GenuineIntel"`, `"AuthenticAMD"`, …; empty where `cpuid` is unavailable.
    public var vendor: String
    /// The display family (extended family folded in): 6 for Intel's cores, 25 for AMD Zen 3
    /// and Zen 4, 26 for Zen 5.
    public var family: Int
    /// The display model (extended model folded in).
    public var model: Int
    /// AVX-512 F, VL, BW, DQ and CD: what ``FloatGEMMKernel/nativeAVX512`` needs.
    public var hasAVX512: Bool
    /// AVX-512 BF16 (`vdpbf16ps`), with the above: what ``ProductPrecision/bf16`` needs.
    public var hasAVX512BF16: Bool
    /// AVX2 and FMA: what ``FloatGEMMKernel/nativeAVX2`` needs.
    public var hasAVX2FMA: Bool
    /// AMX tiles with BF16. Detected and reported, not used: no kernel of the package
    /// runs on AMX.
    public var hasAMXBF16: Bool

    /// A description with the given fields.
    public init(vendor: String, family: Int, model: Int, hasAVX512: Bool, hasAVX512BF16: Bool, hasAVX2FMA: Bool,
                hasAMXBF16: Bool) {
        self.vendor = vendor
        self.family = family
        self.model = model
        self.hasAVX512 = hasAVX512
        self.hasAVX512BF16 = hasAVX512BF16
        self.hasAVX2FMA = hasAVX2FMA
        self.hasAMXBF16 = hasAMXBF16
    }

    /// The CPU running this process, read once.
    public static let current: CPUDescription = {
        var vendor = [CChar](repeating: 0, count: 13)
        var family: Int32 = 0, model: Int32 = 0
        let known = backprop_cpu_identity(&vendor, &family, &model) != 0
        let bits = backprop_cpu_features()
        return CPUDescription(
            vendor: known ? String(decoding: vendor.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "",
            family: Int(family), model: Int(model),
            hasAVX512: bits & Int32(BACKPROP_CPU_AVX512) != 0,
            hasAVX512BF16: bits & Int32(BACKPROP_CPU_AVX512_BF16) != 0,
            hasAVX2FMA: bits & Int32(BACKPROP_CPU_AVX2_FMA) != 0,
            hasAMXBF16: bits & Int32(BACKPROP_CPU_AMX_BF16) != 0)
    }()

    /// The micro-architecture the vendor, family and model name, or `nil` when the table
    /// does not know them: AMD Zen 3, Zen 4 and Zen 5; Intel Haswell, Skylake-SP (Cascade
    /// and Cooper Lake share its model), Ice Lake-SP, Sapphire, Emerald and Granite Rapids.
    public var microArchitecture: String? {
        switch vendor {
        case "AuthenticAMD":
            if family == 26 { return "AMD Zen 5" }
            guard family == 25 else { return family == 23 ? "AMD Zen 2" : nil }
            switch model {
            case 0x10...0x1F, 0x60...0x7F, 0xA0...0xAF: return "AMD Zen 4"
            default: return "AMD Zen 3"
            }
        case "GenuineIntel" where family == 6:
            switch model {
            case 0x3C, 0x3F, 0x45, 0x46: return "Intel Haswell"
            case 0x55: return "Intel Skylake-SP"
            case 0x6A, 0x6C: return "Intel Ice Lake-SP"
            case 0x8F: return "Intel Sapphire Rapids"
            case 0xCF: return "Intel Emerald Rapids"
            case 0xAD, 0xAE: return "Intel Granite Rapids"
            default: return nil
            }
        default:
            return nil
        }
    }

    /// The features the kernels use, by name: `"AVX-512, AVX-512 BF16, AVX2+FMA"`.
    public var featureNames: String {
        let names = [(hasAVX512, "AVX-512"), (hasAVX512BF16, "AVX-512 BF16"), (hasAVX2FMA, "AVX2+FMA"), (hasAMXBF16, "AMX-BF16")]
            .filter(\.0).map(\.1)
        return names.isEmpty ? "no AVX2 or AVX-512" : names.joined(separator: ", ")
    }

    /// `"AMD Zen 4 (AuthenticAMD, family 25, model 17; AVX-512, AVX-512 BF16, AVX2+FMA)"`.
    public var description: String {
        let identity = vendor.isEmpty ? "cpuid unavailable" : "\(vendor), family \(family), model \(model)"
        return "\(microArchitecture ?? "unrecognised CPU") (\(identity); \(featureNames))"
    }
}
