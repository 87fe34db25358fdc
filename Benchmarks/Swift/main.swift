import Backprop
import Foundation

// Backprop's side of the benchmark suite (see Benchmarks/README.md and Benchmarks/run.sh).
// Usage: backprop-benchmarks [--quick] [--cases a-,d-] [--threads 2]
// Prints one JSON object per line on standard output; notes go to standard error.

OpenBLASCoreType.relaunchIfNeeded()
var quick = false
var filters: [String] = []
var engine = ComputeEngine.default
engine.threadCount = 2
var profileSteps: Int?
var printsTrainFlags = false
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--quick": quick = true
    case "--cases": filters = (arguments.next() ?? "").split(separator: ",").map(String.init)
    case "--threads":
        let text = arguments.next()
        if text == "auto" {
            engine.threadCount = ComputeEngine.default.threadCount
            break
        }
        guard let value = text.flatMap(Int.init), value > 0 else {
            log("--threads needs a positive integer or auto"); exit(2)
        }
        engine.threadCount = value
    case "--profile-steps":
        guard let value = arguments.next().flatMap(Int.init), value > 0 else {
            log("--profile-steps needs a positive integer"); exit(2)
        }
        profileSteps = value
    case "--single-thread-flops":
        guard let value = arguments.next().flatMap(Double.init), value >= 0 else {
            log("--single-thread-flops needs a non-negative number"); exit(2)
        }
        engine.blasParallelFLOPLimit = value
    case "--parallel-flops":
        guard let value = arguments.next().flatMap(Double.init), value >= 0 else {
            log("--parallel-flops needs a non-negative number"); exit(2)
        }
        engine.nativeParallelFLOPLimit = value
    case "--train-flags": printsTrainFlags = true
    case "--help", "-h":
        print("""
            usage: backprop-benchmarks [--quick] [--cases SUBSTRING,…] [--threads N|auto] [--profile-steps N]
                                       [--single-thread-flops F] [--parallel-flops F] [--train-flags]
              --threads auto  the default engine's count (BACKPROP_THREADS, else the usable cores)
              --single-thread-flops F  products below F floating-point operations run on one BLAS thread
              --parallel-flops F  native-kernel products of at least F floating-point operations use two threads
              --profile-steps N  only run N training steps or inference batches of each selected case (for perf/callgrind)
              --train-flags  print each selected training case and its `backprop train` flags (tab-separated), then stop
            """)
        exit(0)
    default:
        log("unknown argument \(argument) (try --help)"); exit(2)
    }
}

let selectedFilters = filters
@MainActor func isSelected(_ identifier: String) -> Bool {
    selectedFilters.isEmpty || selectedFilters.contains { identifier.contains($0) }
}

let selectedCases = TrainingCase.all.filter { isSelected($0.identifier) }
for trainingCase in selectedCases where !trainingCase.runsHere {
    log("skipping \(trainingCase.identifier): this CPU lacks \(trainingCase.precision.missingCPUFeature ?? "?")")
}
let runnableCases = selectedCases.filter(\.runsHere)
if printsTrainFlags {
    for trainingCase in runnableCases {
        print(([trainingCase.identifier] + trainingCase.trainFlags).joined(separator: "\t"))
    }
    exit(0)
}

log("backprop \(BLASInfo.configuration), threads \(engine.threadCount) (one below \(engine.blasParallelFLOPLimit) FLOP), allocation counter \(AllocationCounter.isAvailable ? "on" : "off")")
var info = ResultLine(case: "*", metric: "environment", value: nil, unit: "")
info.add("blas", BLASInfo.backendName)
info.add("blas_configuration", BLASInfo.configuration)
info.add("blas_kernel", BLASInfo.kernelName)
info.add("float_gemm_kernel", engine.floatGEMMKernel.description)
info.add("threads", engine.threadCount)
info.add("default_threads", ComputeEngine.defaultThreadChoice.description)
info.add("single_thread_flop_limit", engine.blasParallelFLOPLimit)
info.add("elementwise_kernel", BLASInfo.elementwiseKernel)
info.add("allocation_counter", AllocationCounter.isAvailable)
info.add("openblas_kernel_origin", OpenBLASCoreType.origin)
info.add("peak_fma", PeakFMARate.measureAll(seconds: quick ? 0.02 : 0.05).map(\.description).joined(separator: "; "))
let data: BenchmarkData
do {
    data = try BenchmarkData.fromEnvironment()
} catch {
    log("cannot load the benchmark data: \(error)"); exit(2)
}
info.add("data", data.name)
info.emit()

let runner = Runner(data: data, budget: Budget(quick: quick), engine: engine, profileSteps: profileSteps)
do {
    for trainingCase in runnableCases {
        log("training \(trainingCase.identifier)")
        try runner.run(trainingCase)
    }
    for inferenceCase in InferenceCase.all where isSelected(inferenceCase.identifier) {
        log("inference \(inferenceCase.identifier)")
        try runner.run(inferenceCase)
    }
} catch {
    log("benchmark failed: \(error)")
    exit(1)
}
