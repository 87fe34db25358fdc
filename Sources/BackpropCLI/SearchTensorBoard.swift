import Backprop
import Foundation

extension SearchOptions {
    /// The training callbacks of a trial: with `--tensorboard DIR`, an event writer into
    /// `DIR/trial-N` that first records the trial's hyper-parameters; none otherwise.
    var trialCallbacks: @Sendable (TrialContext) throws -> [any TrainingCallback<Float>] {
        guard let tensorboard else { return { _ in [] } }
        let root = URL(fileURLWithPath: tensorboard)
        return { context in
            let board = try TensorBoardCallback<Float>(folder: root.appendingPathComponent("trial-\(context.number)"))
            let pairs = Array(zip(context.configuration.names, context.configuration.values))
            var numbers: [String: Double] = [:]
            for (name, value) in pairs { numbers[name] = value.numericValue }
            board.writer.hyperparameters(pairs.map { (name: $0.0, value: $0.1.description) } + [("budget", "\(context.budget)")],
                                         numbers: numbers.merging(["budget": Double(context.budget)]) { first, _ in first })
            return [board]
        }
    }
}
