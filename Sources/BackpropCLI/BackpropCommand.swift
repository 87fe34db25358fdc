import ArgumentParser
import Backprop

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
    /// kernel the CPU cannot run, then runs the command.
    static func main() async {
        OpenBLASCoreType.relaunchIfNeeded()
        if let problem = ComputeEngine.kernelEnvironmentProblem { exit(withError: problem) }
        await main(nil)
    }
}
