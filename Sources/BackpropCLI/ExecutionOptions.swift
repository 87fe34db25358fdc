import ArgumentParser
import Backprop

/// How the train metrics of each epoch are measured (`--eval-train`).
enum TrainEvaluation: String, ExpressibleByArgument, CaseIterable {
    /// Running means over the epoch's batches, as Keras reports them (no extra pass).
    case running
    /// A forward pass over the whole training set in inference mode after every epoch.
    case full
}

/// `--threads` and `--eval-train`: how a training run computes, never what it learns (the
/// weights are the same bits whatever is chosen here).
struct ExecutionOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Threads for products and element-wise kernels (default: BACKPROP_THREADS, else the usable cores; see backprop info).",
        valueName: "N"))
    var threads: Int?

    @Option(name: .customLong("eval-train"), help: ArgumentHelp(
        "Train cost and accuracy per epoch: running (means over the epoch's batches, as Keras; no extra pass) or full (a pass over the whole training set after every epoch). Dev and test are always exact.",
        valueName: "running|full"))
    var evalTrain: TrainEvaluation = .running

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    /// Applies the options to a run before it trains.
    func apply(to run: TrainingRun) {
        apply(to: run.network)
        run.trainer.options.evaluatesTrainingSet = evalTrain == .full
    }

    /// Applies `--threads` to a network that only evaluates (a loaded model).
    func apply(to network: Sequential<Float>) {
        if let threads { network.engine.threadCount = threads }
    }
}
