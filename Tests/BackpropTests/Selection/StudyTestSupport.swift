import Foundation
import Backprop
@testable import BackpropSelection

/// A new study file in a fresh temporary directory, prepared with `study`.
func makeStudy(_ study: StudyDescription, file: String = "study.db", sharedFileSystem: Bool = false) throws -> (store: SQLiteStudyStore, path: String) {
    let path = try makeSearchTestDirectory().appendingPathComponent(file).path
    let store = try SQLiteStudyStore(path: path, sharedFileSystem: sharedFileSystem)
    try store.prepare(study)
    return (store, path)
}

/// A thread-safe log of what a runner evaluated.
final class EvaluationLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(number: Int, configuration: TrialConfiguration, budget: Int, epochs: Int)] = []

    func append(number: Int, configuration: TrialConfiguration, budget: Int, epochs: Int) {
        lock.withLock { entries.append((number, configuration, budget, epochs)) }
    }

    var all: [(number: Int, configuration: TrialConfiguration, budget: Int, epochs: Int)] {
        lock.withLock { entries }
    }
}

/// A synthetic runner: the objective at epoch `e` (0-based) is `f(configuration) + 1/(e + 1)`,
/// reported each epoch under `metric`; stops when told to. Logs each evaluation.
func syntheticRunner(log: EvaluationLog, metric: String = "dev_cost", delay: TimeInterval = 0,
                     f: @escaping @Sendable (TrialConfiguration) -> Double) -> TrialRunner {
    { context, report in
        var epochs = 0
        var value = Double.nan
        for epoch in 0..<context.budget {
            if delay > 0 { Thread.sleep(forTimeInterval: delay) }
            value = f(context.configuration) + 1 / Double(epoch + 1)
            epochs = epoch + 1
            if !report(epoch, [metric: value, "train_cost": value / 2]) { break }
        }
        log.append(number: context.number, configuration: context.configuration, budget: context.budget, epochs: epochs)
        return TrialResult(metrics: [metric: value], epochs: epochs)
    }
}

/// `(x − 0.3)²` for the parameter `x`.
@Sendable func quadraticObjective(_ configuration: TrialConfiguration) -> Double {
    let x = configuration["x"]?.numericValue ?? .nan
    return (x - 0.3) * (x - 0.3)
}
