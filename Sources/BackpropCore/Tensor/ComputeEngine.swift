import Foundation
import CBackpropKernels

/// How a network computes: which kernel multiplies `Float` matrices and in what precision, how many threads
/// products and element-wise passes may use, and from what size they split.
///
/// A value, not a process-wide setting: each network carries one
/// (``Sequential/engine``, handed to its layers), and so does each optimiser with
/// element-wise kernels (``Adam/engine``, ``GradientDescent/engine``, ``Momentum/engine``).
/// Several networks in one process — or several processes or MPI ranks on one machine —
/// can therefore run with different settings, for example one thread each when the other
/// core is busy.
///
/// Fields and defaults (``default``, read once from the environment):
///
/// | Field | Default | Environment |
/// |---|---|---|
/// | ``floatGEMMKernel`` | ``FloatGEMMKernel/automatic(for:)``: ``FloatGEMMKernel/nativeAVX512`` on CPUs with AVX-512, else ``FloatGEMMKernel/nativeAVX2`` with AVX2 and FMA, else ``FloatGEMMKernel/blas`` | `BACKPROP_GEMM=native-avx512`, `native-avx2`, `blas` (or `native`: the automatic choice); see ``kernelChoice(_:)`` |
/// | ``precision`` | ``ProductPrecision/float32`` | — (the `precision` setting of a training recipe) |
/// | ``threadCount`` | the usable cores (see ``defaultThreadChoice``: 2 on a two-core machine, also when another process keeps a core busy; 1 on Apple platforms) | `BACKPROP_THREADS`; else `OPENBLAS_NUM_THREADS` (or `GOTO_NUM_THREADS`, `OMP_NUM_THREADS`) for OpenBLAS, `BLIS_NUM_THREADS` (or `OMP_NUM_THREADS`) for BLIS, as read by the library when it loads |
/// | ``nativeParallelFLOPLimit`` | 2·10⁵ floating-point operations | — |
/// | ``blasParallelFLOPLimit`` | 10⁹ floating-point operations | — |
/// | ``parallelElementLimit`` | 2¹⁷ elements | — |
///
/// BLAS products use up to ``threadCount`` threads; the engine's own C kernels (the native
/// product, the Adam update, the ReLU backward pass) split over two cores at most, so any
/// count above 1 means two for them. The native product and the element-wise kernels give
/// the same bits with one thread or two; OpenBLAS's one- and two-thread products may differ
/// in the last bits.
///
/// The BLAS library itself (``BLASLibrary/current``) stays process-wide: it is loaded once
/// per process. Its thread count is a process-wide setting of the library too, so a product
/// sets it from the engine just before it runs (only when it changes); two engines with
/// different counts in one process therefore take turns, and products of different engines
/// should not run through BLAS at the same moment on different threads.
///
/// ```swift
/// var engine = ComputeEngine.default
/// engine.threadCount = 1
/// let network = try Sequential<Float>.mlp([784, 256, 10], hiddenActivation: .relu)
/// network.engine = engine
/// ```
public struct ComputeEngine: Sendable, Hashable, CustomStringConvertible {
    /// The kernel that multiplies `Float` matrices of two or more rows and columns.
    ///
    /// Setting a kernel this CPU cannot run stores ``FloatGEMMKernel/best`` instead: reading
    /// the field back tells which kernel runs.
    public var floatGEMMKernel: FloatGEMMKernel {
        get { kernel }
        set { kernel = newValue.isAvailable ? newValue : .best }
    }

    private var kernel: FloatGEMMKernel

    /// The precision of the `Float` products: with ``ProductPrecision/bf16`` every product
    /// runs the bfloat16 kernel, whatever ``floatGEMMKernel`` says.
    ///
    /// Setting ``ProductPrecision/bf16`` on a CPU without AVX-512 BF16 stores
    /// ``ProductPrecision/float32``: check ``ProductPrecision/checkAvailable()`` first to
    /// refuse instead.
    public var precision: ProductPrecision {
        get { productPrecision }
        set { productPrecision = newValue.missingCPUFeature == nil ? newValue : .float32 }
    }

    private var productPrecision: ProductPrecision = .float32

    /// The most threads a product or element-wise pass may use (values below 1 count as 1).
    /// BLAS products use up to this many; the engine's own C kernels use two when it is
    /// above 1.
    public var threadCount: Int

    /// Native products of at least this many floating-point operations (`2·m·n·k`) are
    /// split across two cores when ``threadCount`` is above 1. Default 2·10⁵: each thread
    /// takes the same half of a layer's weights in every product of a step, so from about
    /// this size the halves stay in each core's cache and sharing pays for the handover.
    /// Measured with `backprop bench core` (AMD EPYC Zen 4, two cores), 4·10⁶ → 2·10⁵:
    /// 784-100-10 at batch 10 0.038 → 0.023 ms per step, 784-30-10 at batch 10 0.014 →
    /// 0.010, one example through 784-256-10 111 000 → 170 000 per second; splitting
    /// products of 4·10⁴ operations (64-64-10 at batch 32) made the step slower.
    public var nativeParallelFLOPLimit: Double

    /// BLAS products with fewer floating-point operations than this run on one thread, larger
    /// ones on ``threadCount``; 0 threads every product.
    ///
    /// Default 10⁹: waking a second BLAS thread costs tens of microseconds (more on a loaded
    /// machine, where the helper thread also competes for a core) and OpenBLAS allocates a
    /// work buffer per threaded call. On the shared two-core machine of the benchmark suite
    /// (other processes running, half of the CPU time stolen by the hypervisor) two threads
    /// lost to one for every product of the suite, up to 128×1024·1024×1024 (268 MFLOP) and
    /// 1024×784·784×256 (411 MFLOP). On an otherwise idle machine a lower limit (about
    /// 5·10⁷) lets the larger products use both cores.
    public var blasParallelFLOPLimit: Double

    /// Tensors with at least this many elements are updated by two threads (the Adam update,
    /// the ReLU backward pass, the NaN/Inf scan of the gradients) when ``threadCount`` is
    /// above 1. Default 2¹⁷ (a 784 × 256 layer has 200 704, a 784 × 100 layer 78 400): below
    /// it, handing the helper its half costs more than the pass saves, all the more when one
    /// thread has just written the whole tensor. Measured with 784-100-10 at batch 10 (AMD
    /// EPYC Zen 4, two cores, its products then on one thread): a training step of 0.044 ms
    /// with the update on one thread against 0.050–0.056 ms split.
    public var parallelElementLimit: Int

    /// An engine with the given settings; `floatGEMMKernel` defaults to the best kernel the
    /// CPU runs (``FloatGEMMKernel/best``), which also replaces a kernel the CPU cannot run.
    public init(
        floatGEMMKernel: FloatGEMMKernel = .best,
        threadCount: Int,
        nativeParallelFLOPLimit: Double = 2e5,
        blasParallelFLOPLimit: Double = 1e9,
        parallelElementLimit: Int = 1 << 17
    ) {
        kernel = .blas
        self.threadCount = threadCount
        self.nativeParallelFLOPLimit = nativeParallelFLOPLimit
        self.blasParallelFLOPLimit = blasParallelFLOPLimit
        self.parallelElementLimit = parallelElementLimit
        self.floatGEMMKernel = floatGEMMKernel
    }

    /// The engine of this process's environment, read once at first use: see the table above.
    /// Networks, layers and optimisers start with it.
    public static let `default` = fromEnvironment()

    /// The environment variable that forces a `Float` product kernel: `BACKPROP_GEMM=blas`,
    /// `native-avx512`, `native-avx2`, or `native` for the automatic choice.
    public static let kernelEnvironmentVariable = "BACKPROP_GEMM"

    /// A product kernel and why it was chosen.
    public struct KernelChoice: Sendable, Hashable, CustomStringConvertible {
        /// The kernel.
        public var kernel: FloatGEMMKernel
        /// `"BACKPROP_GEMM=blas"`, `"AMD Zen 4 has AVX-512; blocking measured on it"`, ….
        public var reason: String
        /// `"native-avx512 (AMD Zen 4 has AVX-512; blocking measured on it)"`.
        public var description: String { "\(kernel.rawValue) (\(reason))" }
    }

    /// The kernel `environment` asks for: the one ``kernelEnvironmentVariable`` names, else
    /// (unset, empty or `native`) ``FloatGEMMKernel/automatic(for:)`` for this CPU.
    ///
    /// - Throws: ``NetworkError/unknownName(kind:name:known:text:)`` for a value that names no
    ///   kernel, ``NetworkError/unusable(what:reason:)`` naming the CPU features missing for a
    ///   kernel this CPU cannot run.
    public static func kernelChoice(_ environment: [String: String]) throws -> KernelChoice {
        let value = environment[kernelEnvironmentVariable]?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        if value.isEmpty || value == "native" {
            let automatic = FloatGEMMKernel.automatic(for: .current)
            return KernelChoice(kernel: automatic.kernel, reason: automatic.reason)
        }
        guard let kernel = FloatGEMMKernel(rawValue: value) else {
            throw NetworkError.unknownName(kind: "\(kernelEnvironmentVariable) kernel", name: value,
                                           known: ["native"] + FloatGEMMKernel.allCases.map(\.rawValue))
        }
        if let missing = kernel.missingCPUFeatures {
            throw NetworkError.unusable(what: "\(kernelEnvironmentVariable)=\(value)",
                                        reason: "this CPU (\(CPUDescription.current)) lacks \(missing)")
        }
        return KernelChoice(kernel: kernel, reason: "\(kernelEnvironmentVariable)=\(value)")
    }

    /// How ``default`` chose its kernel; when ``kernelEnvironmentVariable`` asks for what this
    /// CPU cannot run, the automatic choice with the problem as its reason (the command-line
    /// tool refuses to start instead: see ``kernelEnvironmentProblem``).
    public static let defaultKernelChoice: KernelChoice = {
        do {
            return try kernelChoice(ProcessInfo.processInfo.environment)
        } catch {
            let automatic = FloatGEMMKernel.automatic(for: .current)
            return KernelChoice(kernel: automatic.kernel, reason: "\(error) — using the automatic choice")
        }
    }()

    /// The error of ``kernelChoice(_:)`` for this process's environment, or `nil`.
    public static var kernelEnvironmentProblem: (any Error)? {
        do {
            _ = try kernelChoice(ProcessInfo.processInfo.environment)
            return nil
        } catch {
            return error
        }
    }

    /// The engine that `environment` asks for: ``floatGEMMKernel`` from
    /// ``kernelChoice(_:)`` (the automatic choice when that throws), ``threadCount`` as
    /// ``defaultThreadChoice(_:)`` decides (`BACKPROP_THREADS`, the BLAS library's variables,
    /// else the usable cores), the limits at their defaults.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> ComputeEngine {
        let kernel = (try? kernelChoice(environment))?.kernel ?? FloatGEMMKernel.best
        return ComputeEngine(floatGEMMKernel: kernel, threadCount: defaultThreadChoice(environment).count)
    }

    // MARK: - Default thread count

    /// The environment variable that sets ``threadCount``: `BACKPROP_THREADS=N` (N ≥ 1).
    public static let threadsEnvironmentVariable = "BACKPROP_THREADS"

    /// The variables through which a BLAS library reads its thread count; when one is set,
    /// the default engine follows the library's count rather than probing.
    public static let blasThreadVariables = ["OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS", "BLIS_NUM_THREADS"]

    /// A thread count and why it was chosen.
    public struct ThreadChoice: Sendable, Hashable, CustomStringConvertible {
        /// The count.
        public var count: Int
        /// Where it came from: `"BACKPROP_THREADS=1"`, `"2 usable cores"`, ….
        public var reason: String
        /// `"2 (2 usable cores)"`.
        public var description: String { "\(count) (\(reason))" }
    }

    /// How ``default`` chose its ``threadCount``, in order of precedence:
    /// 1. ``threadsEnvironmentVariable`` (`BACKPROP_THREADS=N`) when set to a whole number ≥ 1;
    /// 2. the BLAS library's own count when one of ``blasThreadVariables`` is set (the
    ///    user's choice for the library is kept); always 1 on Apple platforms;
    /// 3. otherwise the cores this process may run on (its CPU affinity mask, which
    ///    `taskset` and container CPU sets narrow), capped at the BLAS library's count.
    ///    Also when another process keeps a core busy: the two threads of a split product
    ///    then still finish sooner than one (each claims the next part as it becomes free,
    ///    and a stopped helper is moved to the caller's core), from batch 32 to 1024.
    public static let defaultThreadChoice: ThreadChoice = defaultThreadChoice(ProcessInfo.processInfo.environment)

    /// The rule of ``defaultThreadChoice`` applied to `environment`.
    public static func defaultThreadChoice(_ environment: [String: String]) -> ThreadChoice {
        if let text = environment[threadsEnvironmentVariable], let count = Int(text.trimmingCharacters(in: .whitespaces)), count >= 1 {
            return ThreadChoice(count: count, reason: "\(threadsEnvironmentVariable)=\(count)")
        }
        #if canImport(Accelerate)
        return ThreadChoice(count: 1, reason: "Accelerate")
        #else
        let library = BLASLibrary.current.defaultThreadCount
        if let variable = blasThreadVariables.first(where: { environment[$0] != nil }) {
            return ThreadChoice(count: library, reason: "\(variable) read by \(BLASLibrary.current.name)")
        }
        let usable = Int(backprop_usable_cores())
        return ThreadChoice(count: min(usable, max(library, 1)), reason: usable == 1 ? "1 usable core" : "\(usable) usable cores")
        #endif
    }

    /// The cores free for this process now, for reports (``defaultThreadChoice`` does not
    /// depend on it): the usable cores when, in a probe of `probeSeconds` in which the
    /// calling thread and a second thread both spin, each kept to its own processor (a new
    /// thread otherwise shares its creator's core for the first milliseconds), each got at
    /// least `minimumShare` of the wall time as CPU time (`CLOCK_THREAD_CPUTIME_ID`); else 1,
    /// another process keeping a core busy. Up to three probes 50 ms apart, the best counts.
    public static func freeCores(probeSeconds: Double = 0.01, minimumShare: Double = 0.8) -> ThreadChoice {
        let usable = Int(backprop_usable_cores())
        guard usable >= 2 else { return ThreadChoice(count: 1, reason: "1 usable core") }
        // A short interruption (a kernel thread, a timer) can cost one probe a fifth of its
        // time, and the BLAS library's own worker threads poll for work for about 0.1 s
        // after it starts; a process that holds a core fails every probe. So the best of up
        // to three, 50 ms apart.
        var share = 0.0
        for attempt in 0..<3 where share < minimumShare {
            if attempt > 0 { usleep(50_000) }
            share = max(share, backprop_probe_cpu_share(probeSeconds))
        }
        let milliseconds = Int((probeSeconds * 1000).rounded())
        if share >= minimumShare {
            return ThreadChoice(count: usable, reason: "\(usable) usable cores, two threads each got \(Int(share * 100)) % of a \(milliseconds) ms probe")
        }
        return ThreadChoice(count: 1, reason: "\(usable) usable cores, but a thread got at best \(Int(share * 100)) % of three \(milliseconds) ms probes 50 ms apart: another process is busy")
    }

    /// `"native AVX-512 (…), 2 threads (native products from 2e+05 FLOP, BLAS from 1e+09 FLOP, element-wise from 131072 elements)"`.
    public var description: String {
        let threads = threadCount > 1 ? "\(threadCount) threads" : "1 thread"
        let limits = threadCount > 1
            ? " (native products from \(String(format: "%.0e", nativeParallelFLOPLimit)) FLOP, "
                + "BLAS from \(String(format: "%.0e", blasParallelFLOPLimit)) FLOP, "
                + "element-wise from \(parallelElementLimit) elements)"
            : ""
        let products = precision == .bf16 ? "bfloat16 products (AVX-512 BF16)" : "\(floatGEMMKernel)"
        return "\(products), \(threads)\(limits)"
    }

    // MARK: - Threads per call

    /// 2 when a native product of these dimensions is large enough to split and more than
    /// one thread is allowed, else 1.
    func nativeThreads(m: Int, n: Int, k: Int) -> Int32 {
        let flops = 2 * Double(m) * Double(n) * Double(k)
        return threadCount > 1 && flops >= nativeParallelFLOPLimit ? 2 : 1
    }

    /// The BLAS thread count for a product of these dimensions: ``threadCount`` from
    /// ``blasParallelFLOPLimit`` on, 1 below.
    func blasThreads(m: Int, n: Int, k: Int) -> Int {
        let flops = 2 * Double(m) * Double(n) * Double(k)
        return threadCount > 1 && flops >= blasParallelFLOPLimit ? threadCount : 1
    }

    /// The thread count of an element-wise C kernel over `count` elements: 1 or 2.
    func elementwiseThreads(forElements count: Int) -> Int32 {
        threadCount > 1 && count >= parallelElementLimit ? 2 : 1
    }
}

/// Something that computes with a ``ComputeEngine`` it stores: layers that multiply
/// (``Dense``, ``Maxout``) and optimisers with element-wise kernels (``Adam``,
/// ``GradientDescent``, ``Momentum``, and the wrappers around them, which hand the engine to
/// the optimiser they wrap).
///
/// ``Sequential`` sets the engine of each of its layers that conforms; a training loop can
/// hand the network's engine to its optimiser with
/// `(optimizer as? any EngineConfigurable)?.engine = network.engine`.
public protocol EngineConfigurable: AnyObject {
    /// The engine the next computations use.
    var engine: ComputeEngine { get set }
}
