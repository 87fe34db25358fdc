import CBackpropKernels

/// The peak fused multiply-add rate of this process, measured: an in-register loop of
/// independent accumulators (`acc ← acc·a + b`, no memory traffic) per vector width, on one
/// thread and on two (the calling thread and the engine's helper thread).
///
/// It is what a matrix product could reach at best on this CPU at this moment (clock,
/// turbo, other processes and the hypervisor included), the yardstick for the achieved
/// GFLOP/s that `backprop bench core` and the benchmark suite report.
///
/// ```swift
/// let peak = PeakFMARate.measure(width: .avx512, threads: 1)   // e.g. 160 GFLOP/s on one core
/// ```
public struct PeakFMARate: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A vector width the loop runs at.
    public enum Width: Int, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        /// Scalar C code as the compiler builds it for the baseline target.
        case scalar = 1
        /// 8 floats: AVX2 with FMA.
        case avx2 = 8
        /// 16 floats: AVX-512 F.
        case avx512 = 16

        /// `"C baseline"`, `"AVX2"`, `"AVX-512"`.
        public var description: String {
            switch self {
            case .scalar: "C baseline"
            case .avx2: "AVX2"
            case .avx512: "AVX-512"
            }
        }
    }

    /// The vector width.
    public var width: Width
    /// 1 or 2.
    public var threads: Int
    /// Floating-point operations per second (an FMA counts 2), in GFLOP/s; 0 when the CPU
    /// lacks the width.
    public var gflops: Double

    /// `"AVX-512, 2 threads: 310.2 GFLOP/s"`.
    public var description: String {
        "\(width), \(threads == 1 ? "1 thread" : "\(threads) threads"): "
            + (gflops > 0 ? String(format: "%.1f GFLOP/s", gflops) : "not available on this CPU")
    }

    /// Measures the loop at `width` on `threads` threads (1 or 2) for about `seconds`: the
    /// best of ten timed calls.
    public static func measure(width: Width, threads: Int, seconds: Double = 0.05) -> PeakFMARate {
        PeakFMARate(width: width, threads: threads,
                    gflops: backprop_peak_fma_rate(Int32(width.rawValue), Int32(min(max(threads, 1), 2)), seconds) / 1e9)
    }

    /// Every width on 1 and 2 threads (12 measurements of about `seconds` each).
    public static func measureAll(seconds: Double = 0.05) -> [PeakFMARate] {
        Width.allCases.reversed().flatMap { width in [1, 2].map { measure(width: width, threads: $0, seconds: seconds) } }
    }

    /// The widest width this CPU runs: what the engine's own float kernels use.
    public static var widestWidth: Width {
        let bits = backprop_cpu_features()
        return bits & 8 != 0 ? .avx512 : bits & 4 != 0 ? .avx2 : .scalar
    }

    /// The peak that matters for `engine`: the widest width on the threads its products use
    /// (2 when ``ComputeEngine/threadCount`` is above 1).
    public static func measure(for engine: ComputeEngine, seconds: Double = 0.05) -> PeakFMARate {
        measure(width: widestWidth, threads: engine.threadCount > 1 ? 2 : 1, seconds: seconds)
    }
}
