import Foundation
import CBackpropKernels

/// Chooses OpenBLAS's CPU kernel (`OPENBLAS_CORETYPE`) from the CPU when the library's own
/// detection falls back to a kernel narrower than the CPU's vectors.
///
/// An OpenBLAS built with dynamic architecture dispatch picks its kernel from a table of the
/// CPUs it knows when it loads; an older build meeting a newer CPU (Debian's 0.3.21 on an
/// AMD Zen 4 or a recent Xeon) falls back to a generic kernel such as `Prescott` (SSE3),
/// several times slower for every product that still goes to BLAS. The variable is read
/// once, by the library's initialiser, which runs when the dynamic loader maps the library
/// — before any code of the program — so setting it from inside a running process comes too
/// late. ``relaunchIfNeeded(arguments:)`` therefore re-executes the program with the
/// variable set (Linux: `execv` of `/proc/self/exe` with the same arguments); the
/// `backprop` command and the benchmark runner call it first thing.
///
/// A value already present in the environment is never replaced, whoever set it: the user,
/// CI, or an earlier relaunch (``markerVariable`` records that the value was Backprop's
/// choice, for `backprop info`).
public enum OpenBLASCoreType {
    /// `OPENBLAS_CORETYPE`.
    public static let variable = "OPENBLAS_CORETYPE"
    /// Set to `1` next to ``variable`` when Backprop chose the value.
    public static let markerVariable = "BACKPROP_CHOSE_OPENBLAS_CORETYPE"

    /// OpenBLAS kernels that use AVX-512, and those that use AVX2 with FMA (or wider).
    static let avx512Kernels: Set<String> = ["SkylakeX", "Cooperlake", "SapphireRapids"]
    static let avx2Kernels: Set<String> = avx512Kernels.union(["Haswell", "Zen"])

    /// The vector features of this CPU that matter for the choice.
    public struct CPUFeatures: Sendable, Hashable {
        /// AVX-512 F, VL, BW, DQ and CD (what OpenBLAS's SkylakeX kernel needs).
        public var avx512: Bool
        /// AVX-512 BF16 (Cooper Lake, Sapphire Rapids, AMD Zen 4 and later).
        public var avx512BF16: Bool
        /// AVX2 with FMA.
        public var avx2: Bool

        /// Features as given.
        public init(avx512: Bool, avx512BF16: Bool, avx2: Bool) {
            self.avx512 = avx512
            self.avx512BF16 = avx512BF16
            self.avx2 = avx2
        }

        /// The features of the CPU running this process.
        public static var current: CPUFeatures {
            let bits = backprop_cpu_features()
            return CPUFeatures(avx512: bits & 1 != 0, avx512BF16: bits & 2 != 0, avx2: bits & 4 != 0)
        }
    }

    /// The kernel to ask for, or `nil` to leave OpenBLAS's choice alone: when `kernel` (the
    /// library's choice) does not use the CPU's widest vectors, `Cooperlake` for a CPU with
    /// AVX-512 BF16, `SkylakeX` for one with AVX-512, `Haswell` for one with AVX2 and FMA;
    /// always `nil` when `environment` already sets ``variable``.
    public static func choice(kernel: String, features: CPUFeatures, environment: [String: String]) -> String? {
        guard environment[variable] == nil else { return nil }
        if features.avx512 {
            return avx512Kernels.contains(kernel) ? nil : (features.avx512BF16 ? "Cooperlake" : "SkylakeX")
        }
        if features.avx2 { return avx2Kernels.contains(kernel) ? nil : "Haswell" }
        return nil
    }

    /// How the running OpenBLAS got its kernel: `"chosen by Backprop from the CPU
    /// (OPENBLAS_CORETYPE=Cooperlake)"`, `"set by the environment (OPENBLAS_CORETYPE=Haswell)"`
    /// or `"OpenBLAS's own detection"`.
    public static var origin: String {
        let environment = ProcessInfo.processInfo.environment
        guard let value = environment[variable] else { return "OpenBLAS's own detection" }
        return environment[markerVariable] == "1"
            ? "chosen by Backprop from the CPU (\(variable)=\(value))"
            : "set by the environment (\(variable)=\(value))"
    }

    /// Re-executes this program with ``variable`` set when ``choice(kernel:features:environment:)``
    /// asks for a kernel (Linux with OpenBLAS only; elsewhere, or when `execv` fails, it
    /// returns and the program goes on with the library's kernel). Call it before anything
    /// else: the program starts again from the beginning.
    public static func relaunchIfNeeded(arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = CommandLine.unsafeArgv) {
        #if os(Linux)
        guard BLASLibrary.current.kind == .openBLAS,
              let kernel = choice(kernel: BLASLibrary.current.kernelName, features: .current,
                                  environment: ProcessInfo.processInfo.environment) else { return }
        setenv(variable, kernel, 0)
        setenv(markerVariable, "1", 1)
        execv("/proc/self/exe", arguments)
        unsetenv(variable)
        unsetenv(markerVariable)
        #endif
    }
}
