import Testing
import Backprop
@testable import BackpropCore

/// Engine settings as a value: each network and optimiser computes with its own.
@Suite("Compute engine")
struct ComputeEngineTests {
    /// An engine of `threadCount` threads whose limits are low enough for every product and
    /// element-wise pass of ``trainedWeights(engine:optimizer:)`` to split when it allows two.
    static func engine(_ kernel: FloatGEMMKernel, threads: Int, blasParallelFLOPLimit: Double = 1e9) -> ComputeEngine {
        ComputeEngine(floatGEMMKernel: kernel, threadCount: threads, nativeParallelFLOPLimit: 0,
                      blasParallelFLOPLimit: blasParallelFLOPLimit, parallelElementLimit: 64)
    }

    /// Why `kernel` cannot run here, or `nil`.
    static func unavailability(of kernel: FloatGEMMKernel) -> String? {
        if let missing = kernel.missingCPUFeatures { return "the CPU lacks \(missing)" }
        if FloatKernels.kernelLevel == "baseline" { return "the CPU has neither AVX-512 nor AVX2" }
        return nil
    }

    /// A 48-300-10 ReLU network trained for a few steps with `optimizer` under `engine`,
    /// starting from the same weights and batch every time; the weights afterwards.
    static func trainedWeights(engine: ComputeEngine, optimizer: any Optimizer<Float>) throws -> [[Float]] {
        let network = try Sequential<Float>.mlp([48, 300, 10], hiddenActivation: .function(.relu))
        network.engine = engine
        (optimizer as? any EngineConfigurable)?.engine = engine
        var random = RandomGenerator(seed: 5)
        for parameter in network.parameters {
            let deviation = parameter.isRegularized ? (2 / Double(parameter.value.columns)).squareRoot() : 0.1
            for index in 0..<parameter.value.count { parameter.value.base[index] = Float(random.normal(standardDeviation: deviation)) }
        }
        let batch = 40
        let inputs: Matrix<Float> = randomMatrix(batch, 48, seed: 6)
        let targets = try Matrix<Float>.oneHot(labels: (0..<batch).map { _ in random.integer(below: 10) }, classCount: 10)
        let loss = SoftmaxCrossEntropy<Float>()
        let gradient = Matrix<Float>(rows: batch, columns: 10)
        for _ in 0..<4 {
            let logits = try network.forward(inputs, mode: .training)
            _ = loss.cost(logits: logits, targets: targets, gradient: gradient)
            network.backward(gradient)
            optimizer.update(network.parameters, learningRate: 0.01)
        }
        return network.parameters.map(\.value.elements)
    }

    static func optimizers() -> [() -> any Optimizer<Float>] {
        [{ Adam<Float>() }, { Momentum<Float>() }, { GradientDescent<Float>() }]
    }

    @Test(arguments: FloatGEMMKernel.allCases)
    func oneThreadAndTwoThreadsTrainToTheSameBits(kernel: FloatGEMMKernel) throws {
        if let reason = Self.unavailability(of: kernel) {
            print("Skipped the \(kernel.rawValue) kernel: \(reason)")
            return
        }
        let one = Self.engine(kernel, threads: 1), two = Self.engine(kernel, threads: 2)
        // The two-thread engine splits the products and passes of this network; the other does not.
        #expect(two.nativeThreads(m: 40, n: 300, k: 48) == 2 && one.nativeThreads(m: 40, n: 300, k: 48) == 1)
        #expect(two.elementwiseThreads(forElements: 40 * 300) == 2 && one.elementwiseThreads(forElements: 40 * 300) == 1)
        for makeOptimizer in Self.optimizers() {
            let single = try Self.trainedWeights(engine: one, optimizer: makeOptimizer())
            let split = try Self.trainedWeights(engine: two, optimizer: makeOptimizer())
            #expect(single == split, "\(kernel) \(makeOptimizer())")
            #expect(single.allSatisfy { $0.allSatisfy(\.isFinite) })
        }
    }

    @Test func blasProductsOnTwoThreadsAgreeToRounding() throws {
        if let reason = Self.unavailability(of: .blas) {
            print("Skipped: \(reason)")
            return
        }
        // OpenBLAS's one- and two-thread products may differ in the last bits.
        let single = try Self.trainedWeights(engine: Self.engine(.blas, threads: 1), optimizer: Adam<Float>())
        let split = try Self.trainedWeights(engine: Self.engine(.blas, threads: 2, blasParallelFLOPLimit: 0), optimizer: Adam<Float>())
        for (a, b) in zip(single, split) { #expect(allClose(a, b, absolute: 1e-5, relative: 1e-4)) }
    }

    @Test(arguments: [FloatGEMMKernel.nativeAVX512, .nativeAVX2])
    func nativeAndBLASKernelsBothTrainAndAgreeToRounding(kernel: FloatGEMMKernel) throws {
        if let reason = Self.unavailability(of: kernel) {
            print("Skipped the comparison: \(kernel.rawValue) cannot run, \(reason)")
            return
        }
        let native = try Self.trainedWeights(engine: Self.engine(kernel, threads: 2), optimizer: Adam<Float>())
        let blas = try Self.trainedWeights(engine: Self.engine(.blas, threads: 2), optimizer: Adam<Float>())
        #expect(native != blas || native.isEmpty, "the kernels round differently, so equal bits suggest one kernel ran twice")
        for (a, b) in zip(native, blas) { #expect(allClose(a, b, absolute: 1e-5, relative: 1e-4)) }
    }

    @Test func twoNetworksInOneProcessEachKeepTheirOwnEngine() throws {
        let oneThread = ComputeEngine(floatGEMMKernel: .blas, threadCount: 1)
        var twoThreads = ComputeEngine(threadCount: 2, parallelElementLimit: 1024)
        twoThreads.nativeParallelFLOPLimit = 1e5
        let first = try Sequential<Float>.mlp([20, 30, 5], hiddenActivation: .maxout(pieces: 2))
        let second = try Sequential<Float>([Dense(inputCount: 20, outputCount: 5)], engine: twoThreads)
        first.engine = oneThread
        func engines(_ network: Sequential<Float>) -> [ComputeEngine] {
            network.layers.compactMap { ($0 as? any EngineConfigurable)?.engine }
        }
        #expect(engines(first).count == 2 && engines(first).allSatisfy { $0 == oneThread })
        #expect(engines(second) == [twoThreads])
        #expect(second.engine == twoThreads && first.engine == oneThread)

        // Both compute, each with its own engine, interleaved.
        let x: Matrix<Float> = randomMatrix(8, 20, seed: 3)
        _ = try first.forward(x, mode: .inference)
        _ = try second.forward(x, mode: .inference)
        #expect(engines(first).allSatisfy { $0 == oneThread } && engines(second) == [twoThreads])

        // A trainer can switch a network's engine, and hand it to its (wrapped) optimiser.
        first.engine = twoThreads
        #expect(engines(first).allSatisfy { $0 == twoThreads })
        let adam = Adam<Float>()
        let adamW: any Optimizer<Float> = DecoupledWeightDecay(GradientClipping(adam, rule: .globalNorm(5)), decay: 0.01)
        (adamW as? any EngineConfigurable)?.engine = oneThread
        #expect(adam.engine == oneThread)
        #expect((adamW as? any EngineConfigurable)?.engine == oneThread)
    }

    @Test func theDefaultEngineComesFromTheEnvironment() throws {
        #expect(ComputeEngine.fromEnvironment([:]).floatGEMMKernel == FloatGEMMKernel.best)
        #expect(ComputeEngine.fromEnvironment(["BACKPROP_GEMM": "native"]).floatGEMMKernel == FloatGEMMKernel.best)
        #expect(ComputeEngine.fromEnvironment(["BACKPROP_GEMM": "BLAS"]).floatGEMMKernel == .blas)
        for kernel in FloatGEMMKernel.allCases where kernel.isAvailable {
            #expect(ComputeEngine.fromEnvironment(["BACKPROP_GEMM": kernel.rawValue]).floatGEMMKernel == kernel)
            #expect(try ComputeEngine.kernelChoice(["BACKPROP_GEMM": kernel.rawValue]).reason == "BACKPROP_GEMM=\(kernel.rawValue)")
        }
        let engine = ComputeEngine.fromEnvironment([:])
        #expect(engine.threadCount >= 1)
        #expect(engine.nativeParallelFLOPLimit == 2e5 && engine.blasParallelFLOPLimit == 1e9
                && engine.parallelElementLimit == 1 << 17)
        #expect(Dense<Float>(inputCount: 2, outputCount: 3).engine == ComputeEngine.default)
        #expect(Adam<Float>().engine == ComputeEngine.default)
    }

    @Test func askingForAKernelTheCPULacksGivesTheBestOne() {
        for kernel in FloatGEMMKernel.allCases {
            var engine = ComputeEngine(floatGEMMKernel: .blas, threadCount: 1)
            engine.floatGEMMKernel = kernel
            #expect(engine.floatGEMMKernel == (kernel.isAvailable ? kernel : FloatGEMMKernel.best))
        }
    }

    @Test func theEnvironmentVariableRefusesUnknownKernelsAndOnesTheCPULacks() {
        #expect(throws: NetworkError.self) { try ComputeEngine.kernelChoice(["BACKPROP_GEMM": "native-avx1024"]) }
        do {
            _ = try ComputeEngine.kernelChoice(["BACKPROP_GEMM": "native-avx1024"])
        } catch {
            #expect("\(error)".contains("native-avx512") && "\(error)".contains("BACKPROP_GEMM"))
        }
        for kernel in FloatGEMMKernel.allCases {
            guard let missing = kernel.missingCPUFeatures else { continue }
            do {
                _ = try ComputeEngine.kernelChoice(["BACKPROP_GEMM": kernel.rawValue])
                Issue.record("\(kernel.rawValue) accepted on a CPU that lacks \(missing)")
            } catch {
                #expect("\(error)".contains(missing) && "\(error)".contains("BACKPROP_GEMM=\(kernel.rawValue)"))
            }
        }
    }

    @Test func automaticChoiceFollowsTheCPUFeatures() {
        func cpu(_ vendor: String, _ family: Int, _ model: Int, avx512: Bool, avx2: Bool) -> CPUDescription {
            CPUDescription(vendor: vendor, family: family, model: model, hasAVX512: avx512, hasAVX512BF16: avx512,
                           hasAVX2FMA: avx2, hasAMXBF16: false)
        }
        let zen4 = FloatGEMMKernel.automatic(for: cpu("AuthenticAMD", 25, 0x11, avx512: true, avx2: true))
        #expect(zen4.kernel == .nativeAVX512 && zen4.reason.contains("AMD Zen 4") && zen4.reason.contains("measured on it"))
        let sapphire = FloatGEMMKernel.automatic(for: cpu("GenuineIntel", 6, 0x8F, avx512: true, avx2: true))
        #expect(sapphire.kernel == .nativeAVX512 && sapphire.reason.contains("until measured on Intel Sapphire Rapids"))
        let zen5 = FloatGEMMKernel.automatic(for: cpu("AuthenticAMD", 26, 0x02, avx512: true, avx2: true))
        #expect(zen5.kernel == .nativeAVX512 && zen5.reason.contains("until measured on AMD Zen 5"))
        let zen3 = FloatGEMMKernel.automatic(for: cpu("AuthenticAMD", 25, 0x21, avx512: false, avx2: true))
        #expect(zen3.kernel == .nativeAVX2 && zen3.reason.contains("until measured on AMD Zen 3"))
        #expect(FloatGEMMKernel.automatic(for: cpu("GenuineIntel", 6, 0x3F, avx512: false, avx2: true)).kernel == .nativeAVX2)
        #expect(FloatGEMMKernel.automatic(for: cpu("GenuineIntel", 6, 0x1A, avx512: false, avx2: false)).kernel == .blas)
    }
}
