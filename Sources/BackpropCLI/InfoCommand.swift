import Foundation
import ArgumentParser
import Backprop

/// `backprop info`: the version, the BLAS backend and its threads.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print the version, the BLAS backend and kernel, the threads and the measured peak FMA rate.")

    @Flag(name: .customLong("no-peak"), help: "Skip the peak FMA measurement (about 0.6 s).")
    var noPeak = false

    func run() throws {
        print("backprop \(BackpropVersion.current)")
        print("BLAS backend: \(BLASInfo.backendName)")
        print("BLAS kernel: \(BLASInfo.kernelName)" + (BLASInfo.backendName == "OpenBLAS" ? " (\(OpenBLASCoreType.origin))" : ""))
        print("BLAS configuration: \(BLASInfo.configuration)")
        let engine = ComputeEngine.default
        print("BLAS threads: \(engine.threadCount) for products above \(String(format: "%.0e", engine.blasParallelFLOPLimit)) FLOP, 1 below")
        print("Element-wise kernels: \(BLASInfo.elementwiseKernel)")
        print("CPU: \(CPUDescription.current)")
        print("Float matrix products: \(engine.floatGEMMKernel) — \(ComputeEngine.defaultKernelChoice)")
        print("bfloat16 products (--precision bf16): "
              + (ProductPrecision.bf16.missingCPUFeature.map { "unavailable (no \($0))" } ?? "available (AVX-512 BF16; AMX not used)"))
        print("Default threads (\(ComputeEngine.threadsEnvironmentVariable), else the usable cores): \(ComputeEngine.defaultThreadChoice)")
        print("Cores free now: \(ComputeEngine.freeCores())")
        print("Default engine (\(ComputeEngine.kernelEnvironmentVariable), OpenBLAS/BLIS thread variables): \(engine)")
        print("BLAS libraries (\(BLASLibrary.environmentVariable)): \(Self.libraryAvailability())")
        print("MPI (mpirun -np N backprop train …): \(Self.mpiAvailability())")
        if let problem = BLASLibrary.selectionProblem {
            print("BLAS selection problem: \(problem)")
        }
        if !noPeak {
            print("Peak FMA rate (in-register loop, best of 10):")
            for rate in PeakFMARate.measureAll() { print("  \(rate)") }
        }
    }

    /// `"available (libmpi.so.40)"` or `"unavailable: <reason>"`.
    static func mpiAvailability() -> String {
        switch MPIGroup.availability() {
        case let .success(file): return "available (Open MPI, \(file))"
        case let .failure(error): return "unavailable: \(error)"
        }
    }

    /// Each selectable library and whether it loads here, the one in use marked:
    /// `"openblas (in use), blis (loads)"` or `"… blis (unavailable: <reason>)"`.
    static func libraryAvailability() -> String {
        BLASLibrary.selectableKinds.map { kind in
            do {
                let library = try BLASLibrary.load(kind)
                let state = kind == BLASLibrary.current.kind ? "in use" : "loads"
                return "\(kind) (\(state), \(library.name) \(library.version), kernel \(library.kernelName))"
            } catch {
                return "\(kind) (unavailable: \(error))"
            }
        }.joined(separator: ", ")
    }
}
