import Foundation
import Backprop
@testable import BackpropSelection

/// The study back ends the store tests run against: SQLite always, PostgreSQL when
/// `BACKPROP_TEST_POSTGRES_URL` names a server (`scripts/postgres-test-server start` prints it).
enum StudyBackend: String, Sendable, CaseIterable, CustomStringConvertible {
    case sqlite, postgres

    static let postgresURL = ProcessInfo.processInfo.environment["BACKPROP_TEST_POSTGRES_URL"]

    /// The back ends to test; says once why PostgreSQL is left out.
    static let available: [StudyBackend] = {
        guard postgresURL != nil else {
            print("PostgreSQL study tests skipped: BACKPROP_TEST_POSTGRES_URL is not set (eval \"$(scripts/postgres-test-server start)\" sets it)")
            return [.sqlite]
        }
        return [.sqlite, .postgres]
    }()

    var description: String { rawValue }
}

/// Where a test study lives: a file in a fresh folder, or a fresh name in the test database.
struct TestStudyLocation: Sendable {
    var backend: StudyBackend
    /// The SQLite file, or the PostgreSQL URL.
    var location: String
    /// The PostgreSQL study name.
    var name: String

    init(backend: StudyBackend, file: String = "study.db") throws {
        self.backend = backend
        name = "test-" + UUID().uuidString.prefix(12).lowercased()
        switch backend {
        case .sqlite: location = try makeSearchTestDirectory().appendingPathComponent(file).path
        case .postgres: location = StudyBackend.postgresURL ?? ""
        }
    }

    /// A new connection to the study, as another worker would open it.
    func open(sharedFileSystem: Bool = false) throws -> any StudyStore {
        switch backend {
        case .sqlite: try SQLiteStudyStore(path: location, sharedFileSystem: sharedFileSystem)
        case .postgres: try PostgresStudyStore(url: PostgresURL(parsing: location), name: name, retryDelays: [0.1, 0.2])
        }
    }
}

/// A new study (a file in a fresh temporary directory, or a new name in the test database),
/// prepared with `study`.
func makeStudy(_ study: StudyDescription, backend: StudyBackend = .sqlite, file: String = "study.db",
               sharedFileSystem: Bool = false) throws -> (store: any StudyStore, path: TestStudyLocation) {
    let location = try TestStudyLocation(backend: backend, file: file)
    let store = try location.open(sharedFileSystem: sharedFileSystem)
    try store.prepare(study)
    return (store, location)
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
