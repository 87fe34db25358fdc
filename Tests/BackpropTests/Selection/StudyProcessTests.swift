import Foundation
import Testing
import Backprop
@testable import BackpropSelection

/// Several operating-system processes on one study file: the test binary re-launches itself with
/// `--filter studyWorkerProcess` and environment variables that turn that test into a worker.
@Suite("StudyProcesses")
struct StudyProcessTests {
    static let environment = ProcessInfo.processInfo.environment
    static let space = SearchSpace(parameters: [SearchParameter(name: "x", domain: .uniform(lower: 0, upper: 1))])
    static let study = StudyDescription(space: space, strategy: "random", seed: 8, objective: Objective(), budget: 2)

    /// Appends one line to a log shared by processes (O_APPEND keeps lines whole).
    static func appendLine(_ line: String, to path: String) {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, $0.count) }
    }

    static func lines(of path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Launches this test binary as a worker on `study` in `mode` (`run` or `hang`).
    static func launchWorker(study path: String, log: String, total: Int, mode: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = ["--testing-library", "swift-testing", "--filter", "studyWorkerProcess"]
        var environment = ProcessInfo.processInfo.environment
        environment["BACKPROP_STUDY_WORKER"] = mode
        environment["BACKPROP_STUDY_FILE"] = path
        environment["BACKPROP_STUDY_LOG"] = log
        environment["BACKPROP_STUDY_TOTAL"] = String(total)
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func waitForExit(_ process: Process, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { process.terminate(); return false }
        return true
    }

    // MARK: Worker entry point (runs only inside a launched child)

    @Test(.enabled(if: environment["BACKPROP_STUDY_WORKER"] != nil))
    func studyWorkerProcess() throws {
        let path = try #require(Self.environment["BACKPROP_STUDY_FILE"])
        let log = try #require(Self.environment["BACKPROP_STUDY_LOG"])
        let total = Int(Self.environment["BACKPROP_STUDY_TOTAL"] ?? "") ?? 1
        let hang = Self.environment["BACKPROP_STUDY_WORKER"] == "hang"
        let store = try SQLiteStudyStore(path: path)
        try store.prepare(Self.study)
        let pid = getpid()
        let runner: TrialRunner = { context, report in
            Self.appendLine("\(context.number) \(pid)", to: log)
            if hang { while true { Thread.sleep(forTimeInterval: 1) } }
            for epoch in 0..<context.budget {
                Thread.sleep(forTimeInterval: 0.02)
                _ = report(epoch, ["dev_cost": quadraticObjective(context.configuration) + 1 / Double(epoch + 1)])
            }
            return TrialResult(metrics: ["dev_cost": quadraticObjective(context.configuration) + 1 / Double(context.budget)], epochs: context.budget)
        }
        let summary = try StudyDriver(store: store, strategy: RandomSearch(), worker: WorkerIdentity(id: "process-\(pid)"))
            .run(totalTrials: total, runner: runner)
        #expect(summary.failed == 0)
    }

    // MARK: Tests

    @Test(.enabled(if: environment["BACKPROP_STUDY_WORKER"] == nil))
    func twoProcessesNeverEvaluateTheSameTrial() throws {
        let directory = try makeSearchTestDirectory()
        let path = directory.appendingPathComponent("study.db").path
        let log = directory.appendingPathComponent("log.txt").path
        let store = try SQLiteStudyStore(path: path)
        try store.prepare(Self.study)
        let total = 30
        let workers = try (0..<2).map { _ in try Self.launchWorker(study: path, log: log, total: total, mode: "run") }
        for worker in workers {
            #expect(Self.waitForExit(worker, seconds: 120), "a worker process did not finish")
            #expect(worker.terminationStatus == 0)
        }
        let entries = Self.lines(of: log).map { $0.split(separator: " ").map(String.init) }
        let numbers = entries.map { Int($0[0])! }
        #expect(numbers.count == total)
        #expect(Set(numbers) == Set(0..<total))
        let trials = try store.trials()
        #expect(trials.count == total && trials.allSatisfy { $0.status == .completed })
        // Both processes got work (each trial takes 40 ms, the whole study over a second).
        #expect(Set(entries.map { $0[1] }).count == 2)
    }

    @Test(.enabled(if: environment["BACKPROP_STUDY_WORKER"] == nil))
    func killedProcessTrialIsRequeuedAndFinishedOnce() throws {
        let directory = try makeSearchTestDirectory()
        let path = directory.appendingPathComponent("study.db").path
        let log = directory.appendingPathComponent("log.txt").path
        let store = try SQLiteStudyStore(path: path)
        try store.prepare(Self.study)
        let worker = try Self.launchWorker(study: path, log: log, total: 3, mode: "hang")
        let deadline = Date().addingTimeInterval(60)
        while Self.lines(of: log).isEmpty && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(Self.lines(of: log).first?.hasPrefix("0 ") == true, "the worker did not claim trial 0")
        #expect(try store.trials().first?.status == .running)
        kill(worker.processIdentifier, SIGKILL)
        worker.waitUntilExit()

        let evaluations = EvaluationLog()
        let summary = try StudyDriver(store: store, strategy: RandomSearch(), worker: WorkerIdentity(id: "survivor"))
            .run(totalTrials: 3, runner: syntheticRunner(log: evaluations, f: quadraticObjective))
        #expect(summary.evaluated == [0, 1, 2])
        let trials = try store.trials()
        #expect(trials.count == 3 && trials.allSatisfy { $0.status == .completed })
        #expect(try trials.allSatisfy { try store.worker(trialID: $0.id) == "survivor" })
    }
}
