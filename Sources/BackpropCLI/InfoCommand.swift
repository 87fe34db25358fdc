import Foundation
import ArgumentParser
import Backprop

/// `backprop info`: the version, the BLAS backend and its threads.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print the version, the BLAS backend in use and its thread count.")

    func run() throws {
        print("backprop \(BackpropVersion.current)")
        print("BLAS backend: \(BLASInfo.backendName)")
        print("BLAS kernel: \(BLASInfo.kernelName)")
        print("BLAS configuration: \(BLASInfo.configuration)")
        print("BLAS threads: \(BLASInfo.threadCount) for products above \(String(format: "%.0e", BLASThreading.singleThreadFLOPLimit)) FLOP, 1 below")
        print("Element-wise kernels: \(BLASInfo.elementwiseKernel)")
        print("Float matrix products: \(FloatGEMMKernel.current)"
              + (FloatGEMMKernel.isNativeAvailable ? "" : " (no AVX-512 on this CPU)"))
    }
}
