import Foundation
import Testing
import Backprop
@testable import BackpropCore
import CBackpropKernels

/// The default thread count, the two-core split under a busy core, the OpenBLAS kernel
/// choice and the peak FMA probe.
@Suite("Threads and CPU kernels")
struct ThreadChoiceTests {
    @Test func backpropThreadsSetsTheCountAndWinsOverTheLibraryVariables() {
        let choice = ComputeEngine.defaultThreadChoice(["BACKPROP_THREADS": "1", "OPENBLAS_NUM_THREADS": "2"])
        #expect(choice.count == 1 && choice.reason == "BACKPROP_THREADS=1")
        #expect(ComputeEngine.fromEnvironment(["BACKPROP_THREADS": "3"]).threadCount == 3)
        // Not a whole number ≥ 1: ignored.
        #expect(ComputeEngine.defaultThreadChoice(["BACKPROP_THREADS": "0"]).reason != "BACKPROP_THREADS=0")
        #expect(ComputeEngine.defaultThreadChoice(["BACKPROP_THREADS": "two"]).count >= 1)
    }

    @Test func aLibraryThreadVariableKeepsTheLibrarysCount() {
        #if !canImport(Accelerate)
        let choice = ComputeEngine.defaultThreadChoice(["OPENBLAS_NUM_THREADS": "1"])
        #expect(choice.count == BLASLibrary.current.defaultThreadCount)
        #expect(choice.reason.hasPrefix("OPENBLAS_NUM_THREADS"))
        #endif
    }

    /// Without variables the default is the usable cores, whatever other processes do (the
    /// split holds up beside a busy core), so it does not depend on a probe's luck.
    @Test func withoutVariablesTheDefaultIsTheUsableCores() {
        #if !canImport(Accelerate)
        let usable = Int(backprop_usable_cores())
        let choice = ComputeEngine.defaultThreadChoice([:])
        #expect(choice.count == min(usable, max(BLASLibrary.current.defaultThreadCount, 1)))
        #expect(choice.reason == (usable == 1 ? "1 usable core" : "\(usable) usable cores"))
        #endif
    }

    @Test func theFreeCoreProbeNeverExceedsTheUsableCores() {
        let choice = ComputeEngine.freeCores(probeSeconds: 0.005)
        #expect(choice.count >= 1 && choice.count <= ProcessInfo.processInfo.activeProcessorCount)
        // A share no thread can reach: always one thread (when there are two cores to probe).
        #expect(ComputeEngine.freeCores(probeSeconds: 0.002, minimumShare: 2).count == 1)
    }

    /// Two spinning threads keep both cores busy while products and Adam split in two: the
    /// caller takes the helper's half when the helper has no core, with the same bits.
    @Test(arguments: [FloatGEMMKernel.nativeAVX512, .nativeAVX2])
    func splitsUnderBusyCoresGiveTheSameBitsAsOneThread(kernel: FloatGEMMKernel) throws {
        if let reason = ComputeEngineTests.unavailability(of: kernel) {
            print("Skipped: \(reason)")
            return
        }
        let stop = ManagedAtomicFlag()
        let spinners = (0..<2).map { _ in Thread { while !stop.isSet {} } }
        spinners.forEach { $0.start() }
        defer { stop.set() }
        let one = try ComputeEngineTests.trainedWeights(engine: ComputeEngineTests.engine(kernel, threads: 1), optimizer: Adam<Float>())
        for _ in 0..<3 {
            let two = try ComputeEngineTests.trainedWeights(engine: ComputeEngineTests.engine(kernel, threads: 2), optimizer: Adam<Float>())
            #expect(two == one)
        }
    }

    @Test func openBLASKernelIsChosenOnlyWhenNarrowerThanTheCPUAndNeverOverridesTheEnvironment() {
        let zen4 = OpenBLASCoreType.CPUFeatures(avx512: true, avx512BF16: true, avx2: true)
        let skylake = OpenBLASCoreType.CPUFeatures(avx512: true, avx512BF16: false, avx2: true)
        let haswell = OpenBLASCoreType.CPUFeatures(avx512: false, avx512BF16: false, avx2: true)
        let old = OpenBLASCoreType.CPUFeatures(avx512: false, avx512BF16: false, avx2: false)
        #expect(OpenBLASCoreType.choice(kernel: "Prescott", features: zen4, environment: [:]) == "Cooperlake")
        #expect(OpenBLASCoreType.choice(kernel: "Zen", features: zen4, environment: [:]) == "Cooperlake")
        #expect(OpenBLASCoreType.choice(kernel: "Prescott", features: skylake, environment: [:]) == "SkylakeX")
        #expect(OpenBLASCoreType.choice(kernel: "Nehalem", features: haswell, environment: [:]) == "Haswell")
        #expect(OpenBLASCoreType.choice(kernel: "Cooperlake", features: zen4, environment: [:]) == nil)
        #expect(OpenBLASCoreType.choice(kernel: "Zen", features: haswell, environment: [:]) == nil)
        #expect(OpenBLASCoreType.choice(kernel: "Prescott", features: old, environment: [:]) == nil)
        #expect(OpenBLASCoreType.choice(kernel: "Prescott", features: zen4, environment: ["OPENBLAS_CORETYPE": "Prescott"]) == nil)
    }

    @Test func thePeakProbeMeasuresEveryWidthTheCPUHas() {
        let scalar = PeakFMARate.measure(width: .scalar, threads: 1, seconds: 0.005)
        #expect(scalar.gflops > 0)
        let widest = PeakFMARate.measure(width: PeakFMARate.widestWidth, threads: 2, seconds: 0.005)
        #expect(widest.gflops > 0 && widest.threads == 2)
        #expect(PeakFMARate.measureAll(seconds: 0.002).count == 6)
    }
}

/// A flag one thread sets and others poll.
final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
