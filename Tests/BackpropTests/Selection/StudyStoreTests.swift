import Foundation
import Testing
import Backprop
@testable import BackpropSelection

@Suite("StudyStore")
struct StudyStoreTests {
    static let space = SearchSpace(parameters: [
        SearchParameter(name: "x", domain: .uniform(lower: 0, upper: 1)),
        SearchParameter(name: "lr", domain: .logUniform(lower: 1e-4, upper: 1)),
    ])

    static func randomStudy(seed: UInt64 = 4) -> StudyDescription {
        StudyDescription(space: space, strategy: "random", seed: seed, objective: Objective(), budget: 3)
    }

    @Test(arguments: StudyBackend.available)
    func gridOfTwoByThreeRunsExactlySixTrials(backend: StudyBackend) throws {
        let space = SearchSpace(parameters: [
            SearchParameter(name: "batch-size", domain: .choices([.int(16), .int(64)])),
            SearchParameter(name: "x", domain: .choices([.double(0), .double(0.3), .double(1)])),
        ])
        let study = StudyDescription(space: space, strategy: "grid", seed: 1, objective: Objective(), budget: 2)
        let (store, _) = try makeStudy(study, backend: backend)
        let log = EvaluationLog()
        let summary = try StudyDriver(store: store, strategy: GridSearch()).run(totalTrials: 50, runner: syntheticRunner(log: log, f: quadraticObjective))
        #expect(summary.evaluated == [0, 1, 2, 3, 4, 5])
        #expect(log.all.count == 6)
        #expect(Set(log.all.map(\.configuration.values)).count == 6)
        // Values keep their types through the study file (0.0 stays a double).
        #expect(Set(log.all.map { $0.configuration["x"]! }) == [.double(0), .double(0.3), .double(1)])
        #expect(try store.trials().allSatisfy { $0.status == .completed })
        // A second run finds nothing left.
        #expect(try StudyDriver(store: store, strategy: GridSearch()).run(totalTrials: 50, runner: syntheticRunner(log: log, f: quadraticObjective)).evaluated.isEmpty)
        #expect(log.all.count == 6)
    }

    static let resumableStrategies: [any SearchStrategy] = [
        RandomSearch(), TreeParzenSearch(startupTrials: 2), CoarseToFineSearch(roundSize: 2, topCount: 1),
    ]

    @Test(arguments: StudyBackend.available, 0..<3)
    func resumeAddsTrialsWithoutRepeatingAndMatchesUninterruptedRun(backend: StudyBackend, strategyIndex: Int) throws {
        let strategy = Self.resumableStrategies[strategyIndex]
        var study = Self.randomStudy()
        study.strategy = strategy.name
        let (first, path) = try makeStudy(study, backend: backend)
        let log = EvaluationLog()
        let runner = syntheticRunner(log: log, f: quadraticObjective)
        let part = try StudyDriver(store: first, strategy: strategy).run(totalTrials: 6, maximumEvaluations: 3, runner: runner)
        #expect(part.evaluated == [0, 1, 2])
        // Reopen the file with a new connection, as a new process would.
        let reopened = try path.open()
        try reopened.prepare(study)
        let rest = try StudyDriver(store: reopened, strategy: strategy).run(totalTrials: 6, runner: runner)
        #expect(rest.evaluated == [3, 4, 5])
        #expect(log.all.map(\.number) == [0, 1, 2, 3, 4, 5])
        let resumed = try reopened.trials()
        #expect(resumed.count == 6 && resumed.allSatisfy { $0.status == .completed })
        // An uninterrupted run in another SQLite file proposes the same configurations and seeds,
        // whichever store the resumed run used.
        let (fresh, _) = try makeStudy(study)
        _ = try StudyDriver(store: fresh, strategy: strategy).run(totalTrials: 6, runner: syntheticRunner(log: EvaluationLog(), f: quadraticObjective))
        let uninterrupted = try fresh.trials()
        #expect(uninterrupted.map(\.configuration) == resumed.map(\.configuration))
        #expect(uninterrupted.map(\.seed) == resumed.map(\.seed))
        // Asking for 8 adds exactly two.
        let more = try StudyDriver(store: reopened, strategy: strategy).run(totalTrials: 8, runner: runner)
        #expect(more.evaluated == [6, 7])
        #expect(Set(try reopened.trials().map(\.configuration)).count == 8)
        // A driver with another strategy is refused.
        let other: any SearchStrategy = strategy.name == "random" ? GridSearch() : RandomSearch()
        #expect(throws: SearchError.self) { try StudyDriver(store: reopened, strategy: other).run(totalTrials: 9, runner: runner) }
    }

    @Test(arguments: StudyBackend.available)
    func reopeningWithAnotherStudyIsRefused(backend: StudyBackend) throws {
        let (_, path) = try makeStudy(Self.randomStudy(seed: 4), backend: backend)
        let store = try path.open()
        #expect(throws: SearchError.self) { try store.prepare(Self.randomStudy(seed: 5)) }
        var other = Self.randomStudy(seed: 4)
        other.strategy = "tpe"
        #expect(throws: SearchError.self) { try store.prepare(other) }
        // Another search space under the same name: the message names the study and both spaces.
        var otherSpace = Self.randomStudy(seed: 4)
        otherSpace.space = SearchSpace(parameters: [SearchParameter(name: "y", domain: .uniform(lower: 0, upper: 1))])
        do {
            try store.prepare(otherSpace)
            Issue.record("a study with another space was accepted")
        } catch let error as SearchError {
            #expect(error.message.contains(store.location) && error.message.contains("x, lr vs y"), "\(error)")
        }
    }

    static let connectionKinds: [(StudyBackend, Bool)] = [(.sqlite, false), (.sqlite, true)]
        + (StudyBackend.available.contains(.postgres) ? [(.postgres, false)] : [])

    @Test(arguments: connectionKinds)
    func twoWorkersWithSeparateConnectionsNeverShareATrial(backend: StudyBackend, sharedFileSystem: Bool) throws {
        let (_, path) = try makeStudy(Self.randomStudy(), backend: backend, sharedFileSystem: sharedFileSystem)
        let log = EvaluationLog()
        let total = 24
        let summaries = LockedSummaries()
        let errors = runWorkerThreads(2) { w in
            let store = try path.open(sharedFileSystem: sharedFileSystem)
            let driver = StudyDriver(store: store, strategy: RandomSearch(), worker: WorkerIdentity(id: "worker-\(w)"))
            summaries.set(w, try driver.run(totalTrials: total, runner: syntheticRunner(log: log, delay: 0.002, f: quadraticObjective)))
        }
        #expect(errors.isEmpty, "\(errors)")
        let numbers = log.all.map(\.number)
        #expect(numbers.count == total)
        #expect(Set(numbers) == Set(0..<total))
        #expect(Set(log.all.map(\.configuration)).count == total)
        let a = Set(summaries.get(0)?.evaluated ?? []), b = Set(summaries.get(1)?.evaluated ?? [])
        #expect(a.isDisjoint(with: b))
        #expect(!a.isEmpty && !b.isEmpty, "both workers should get work: \(a.count) and \(b.count)")
        let store = try path.open()
        let trials = try store.trials()
        #expect(trials.count == total && trials.allSatisfy { $0.status == .completed })
        for trial in trials {
            let worker = try store.worker(trialID: trial.id)
            #expect(worker == (a.contains(trial.number) ? "worker-0" : "worker-1"))
        }
    }

    @Test(arguments: StudyBackend.available)
    func deadWorkersRunningTrialIsRequeued(backend: StudyBackend) throws {
        let (store, _) = try makeStudy(Self.randomStudy(), backend: backend)
        // A process that has exited: its pid is no longer alive.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        #expect(!WorkerIdentity.processIsAlive(process.processIdentifier))
        let dead = WorkerIdentity(id: "dead", pid: process.processIdentifier)
        guard case .trial(let claimed) = try store.claim(worker: dead, strategy: RandomSearch(), totalTrials: 3) else {
            Issue.record("no trial claimed"); return
        }
        #expect(try store.record(trialID: claimed.id, epoch: 0, metrics: ["dev_cost": 1], worker: dead))
        #expect(try store.trials().first?.status == .running)

        let log = EvaluationLog()
        let summary = try StudyDriver(store: store, strategy: RandomSearch(), worker: WorkerIdentity(id: "alive"))
            .run(totalTrials: 3, runner: syntheticRunner(log: log, f: quadraticObjective))
        #expect(summary.evaluated == [0, 1, 2])
        let trials = try store.trials()
        #expect(trials.count == 3 && trials.allSatisfy { $0.status == .completed })
        #expect(trials[0].id == claimed.id && trials[0].configuration == claimed.configuration)
        #expect(try store.worker(trialID: claimed.id) == "alive")
        #expect(try store.metrics(trialID: claimed.id).count == 3)
        #expect(trials[0].attempts == 2 && trials[1].attempts == 1)
    }

    @Test(arguments: StudyBackend.available)
    func staleHeartbeatIsRequeuedButFreshOneIsNot(backend: StudyBackend) throws {
        let (store, _) = try makeStudy(Self.randomStudy(), backend: backend)
        let alive = WorkerIdentity(id: "slow")
        guard case .trial(let claimed) = try store.claim(worker: alive, strategy: RandomSearch(), totalTrials: 2) else {
            Issue.record("no trial claimed"); return
        }
        #expect(try store.requeueDeadTrials(staleAfter: 60) == 0)
        Thread.sleep(forTimeInterval: 0.05)
        #expect(try store.requeueDeadTrials(staleAfter: 0.01) == 1)
        let requeued = try #require(try store.trials().first { $0.id == claimed.id })
        #expect(requeued.status == .pending)
        guard case .trial(let again) = try store.claim(worker: WorkerIdentity(id: "other"), strategy: RandomSearch(), totalTrials: 2) else {
            Issue.record("the pending trial was not handed out"); return
        }
        #expect(again.id == claimed.id && again.number == 0)
    }

    @Test(arguments: StudyBackend.available)
    func heartbeatTimerKeepsASlowEpochAlive(backend: StudyBackend) throws {
        let (store, path) = try makeStudy(Self.randomStudy(), backend: backend)
        let requeuedWhileRunning = LockedCounts()
        // One silent 0.6 s "epoch"; another connection checks for stale trials (0.25 s) meanwhile.
        let runner: TrialRunner = { context, report in
            Thread.sleep(forTimeInterval: 0.3)
            let watcher = try path.open()
            let count = try watcher.requeueDeadTrials(staleAfter: 0.25)
            requeuedWhileRunning.set(0, count)
            Thread.sleep(forTimeInterval: 0.3)
            _ = report(0, ["dev_cost": 1])
            return TrialResult(metrics: ["dev_cost": 1], epochs: 1)
        }
        let driver = StudyDriver(store: store, strategy: RandomSearch(), staleAfter: 0.25, heartbeatInterval: 0.05)
        let summary = try driver.run(totalTrials: 1, runner: runner)
        #expect(requeuedWhileRunning.get(0) == 0)
        #expect(summary.completed == 1)
        // Without the timer (interval longer than the trial) the same check re-queues it; the
        // first evaluation's result is then discarded (it no longer owns the trial) and the trial
        // is evaluated again.
        let (other, otherPath) = try makeStudy(Self.randomStudy(), backend: backend)
        let staleRunner: TrialRunner = { context, report in
            if requeuedWhileRunning.get(1) == nil {
                Thread.sleep(forTimeInterval: 0.3)
                requeuedWhileRunning.set(1, try otherPath.open().requeueDeadTrials(staleAfter: 0.25))
                #expect(!report(0, ["dev_cost": 5]))
                return TrialResult(metrics: ["dev_cost": 5], epochs: 1)
            }
            return TrialResult(metrics: ["dev_cost": 2], epochs: 1)
        }
        let staleSummary = try StudyDriver(store: other, strategy: RandomSearch(), staleAfter: 0.25, heartbeatInterval: 10)
            .run(totalTrials: 1, runner: staleRunner)
        #expect(requeuedWhileRunning.get(1) == 1)
        #expect(staleSummary.lost == [0] && staleSummary.evaluated == [0])
        let finalTrial = try #require(try other.trials().first)
        #expect(finalTrial.status == .completed && finalTrial.objective == 2)
        #expect(try other.metrics(trialID: finalTrial.id).isEmpty)
    }

    @Test(arguments: StudyBackend.available)
    func failingRunnerMarksTrialFailedAndSearchGoesOn(backend: StudyBackend) throws {
        struct Boom: Error {}
        let (store, _) = try makeStudy(Self.randomStudy(), backend: backend)
        let runner: TrialRunner = { context, _ in
            if context.number == 1 { throw Boom() }
            return TrialResult(metrics: ["dev_cost": Double(context.number)], epochs: 1)
        }
        let summary = try StudyDriver(store: store, strategy: RandomSearch()).run(totalTrials: 3, runner: runner)
        #expect(summary.completed == 2 && summary.failed == 1)
        #expect(try store.trials().map(\.status) == [.completed, .failed, .completed])
        let missing: TrialRunner = { _, _ in TrialResult(metrics: ["other": 1], epochs: 1) }
        let (second, _) = try makeStudy(Self.randomStudy(), backend: backend)
        #expect(try StudyDriver(store: second, strategy: RandomSearch()).run(totalTrials: 1, runner: missing).failed == 1)
    }
}

/// Runs `body(w)` for `w` in `0..<count`, each on its own thread, and returns the errors thrown.
func runWorkerThreads(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) -> [Error] {
    let group = DispatchGroup()
    let errors = LockedErrors()
    for w in 0..<count {
        group.enter()
        Thread.detachNewThread {
            defer { group.leave() }
            do { try body(w) } catch { errors.append(error) }
        }
    }
    group.wait()
    return errors.all
}

/// Errors collected from worker threads.
final class LockedErrors: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [Error] = []
    func append(_ error: Error) { lock.withLock { errors.append(error) } }
    var all: [Error] { lock.withLock { errors } }
}

/// Driver summaries collected from worker threads.
final class LockedSummaries: @unchecked Sendable {
    private let lock = NSLock()
    private var summaries: [Int: StudyDriver.Summary] = [:]
    func set(_ index: Int, _ summary: StudyDriver.Summary) { lock.withLock { summaries[index] = summary } }
    func get(_ index: Int) -> StudyDriver.Summary? { lock.withLock { summaries[index] } }
}

/// Integers recorded from a runner.
final class LockedCounts: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int: Int] = [:]
    func set(_ index: Int, _ value: Int) { lock.withLock { values[index] = value } }
    func get(_ index: Int) -> Int? { lock.withLock { values[index] } }
}
