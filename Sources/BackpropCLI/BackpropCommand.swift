import ArgumentParser
import Backprop
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
@preconcurrency import Darwin
#endif

/// The `backprop` command: build, train, diagnose and tune fully-connected networks.
@main
struct BackpropCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backprop",
        abstract: "Build, train, diagnose and tune fully-connected neural networks.",
        version: BackpropVersion.current,
        subcommands: [
            InfoCommand.self,
            SummaryCommand.self,
            GradcheckCommand.self,
            BenchCommand.self,
            TrainCommand.self,
            DataCommand.self,
            EvaluateCommand.self,
            PredictCommand.self,
            ExportCommand.self,
            CrossValidateCommand.self,
            SearchCommand.self,
            EnsembleCommand.self,
            InspectCommand.self,
            LearningRateFinderCommand.self,
        ]
    )

    /// Relaunches with `OPENBLAS_CORETYPE` chosen from the CPU when OpenBLAS's own detection
    /// fell back to a narrower kernel (see `OpenBLASCoreType`), refuses a `BACKPROP_GEMM`
    /// kernel the CPU cannot run, then runs the command with standard output flushed at every
    /// line, so progress shows as it happens in a pipe or a log file
    /// (`backprop train … | tee run.log`), not only on a terminal.
    static func main() async {
        OpenBLASCoreType.relaunchIfNeeded()
        if let problem = ComputeEngine.kernelEnvironmentProblem { exit(withError: problem) }
        setvbuf(stdout, nil, _IOLBF, 0)
        await main(nil)
    }
}
