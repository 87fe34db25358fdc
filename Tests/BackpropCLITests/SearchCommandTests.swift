import ArgumentParser
import Foundation
import Testing
import Backprop
@testable import BackpropCLI

/// Lines printed by a command, collected from any thread.
final class PrintedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ line: String) { lock.withLock { storage.append(line) } }
    var all: [String] { lock.withLock { storage } }
}

@Suite("backprop search")
struct SearchCommandTests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-search-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func search(_ arguments: [String]) throws -> [String] {
        let command = try #require(try BackpropCommand.parseAsRoot(["search"] + arguments) as? SearchCommand)
        let lines = PrintedLines()
        try command.options.search(command.recipeOptions, spawnWorkers: true) { lines.append($0) }
        return lines.all
    }

    @Test("A 2 × 3 grid runs exactly 6 trials")
    func gridOfSix() throws {
        let folder = try Self.folder()
        let config = folder.appendingPathComponent("space.yaml").path
        try "data: \"moons:n=150\"\nlayers: [2, 8, 2]\nepochs: 3\nsearch:\n  lr: [0.05, 0.5]\n  batch-size: [8, 16, 32]\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let study = folder.appendingPathComponent("study.db").path
        let lines = try Self.search(["--config", config, "--strategy", "grid", "--trials", "50", "--study", study])
        #expect(lines.filter { $0.hasPrefix("trial ") }.count == 6)
        let trials = try SQLiteStudyStore(path: study).trials()
        #expect(trials.count == 6 && trials.allSatisfy { $0.status == .completed })
        #expect(Set(trials.map { "\($0.configuration["lr"]!) \($0.configuration["batch-size"]!)" }).count == 6)
    }

    @Test("A config file names the study with study: (the flag wins), and its keys never reach the recipe")
    func studyFromTheConfigFile() throws {
        let folder = try Self.folder()
        let fromFile = folder.appendingPathComponent("file.db").path
        let config = folder.appendingPathComponent("space.yaml").path
        try "data: \"moons:n=150\"\nlayers: [2, 8, 2]\nepochs: 2\nstudy: \(fromFile)\nstudy-name: ignored-by-sqlite\nsearch:\n  lr: [0.05, 0.5]\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        _ = try Self.search(["--config", config, "--strategy", "grid", "--trials", "2"])
        #expect(try SQLiteStudyStore(path: fromFile).trials().count == 2)

        let fromFlag = folder.appendingPathComponent("flag.db").path
        _ = try Self.search(["--config", config, "--strategy", "grid", "--trials", "2", "--study", fromFlag])
        #expect(try SQLiteStudyStore(path: fromFlag).trials().count == 2)
        #expect(try SQLiteStudyStore(path: fromFile).trials().count == 2, "the flag's study was used, not the file's")
    }

    @Test("Rerunning with more trials adds trials without repeating the finished ones; show prints the leaderboard and writes HTML")
    func resumeAndShow() throws {
        let folder = try Self.folder()
        let config = folder.appendingPathComponent("space.yaml").path
        try "data: moons\nlayers: [2, 16, 2]\nepochs: 4\nsearch:\n  lr: {log-uniform: [0.0001, 1.0]}\n  batch-size: [16, 64]\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let study = folder.appendingPathComponent("study.db").path
        let arguments = ["--config", config, "--strategy", "random", "--study", study, "--seed", "4"]
        _ = try Self.search(arguments + ["--trials", "6"])
        let first = try SQLiteStudyStore(path: study).trials()
        #expect(first.count == 6)
        let lines = try Self.search(arguments + ["--trials", "8"])
        #expect(lines.filter { $0.hasPrefix("trial ") }.map { $0.split(separator: ":")[0] } == ["trial 6", "trial 7"])
        let second = try SQLiteStudyStore(path: study).trials()
        #expect(second.count == 8)
        #expect(Array(second.prefix(6)).map(\.configuration) == first.map(\.configuration))
        #expect(Array(second.prefix(6)).map(\.objective) == first.map(\.objective), "finished trials are not re-run")
        // A different seed is a different study.
        #expect(throws: CommandFailure.self) { try Self.search(["--config", config, "--strategy", "random", "--study", study, "--seed", "5", "--trials", "9"]) }

        let show = try #require(try BackpropCommand.parseAsRoot(["search", "show", study]) as? SearchShowCommand)
        let output = try show.show()
        #expect(output[0].contains("8 trials (8 completed)"))
        #expect(output[1].hasPrefix("rank") && output[1].contains("lr") && output[1].contains("batch-size"))
        let best = second.filter { $0.objective != nil }.max { $0.objective! < $1.objective! }!
        #expect(output[2].hasPrefix("1 ") && output[2].contains(fixed(best.objective)))
        #expect(output.contains { $0.hasPrefix("Importance: ") })
        let html = try String(contentsOfFile: folder.appendingPathComponent("study.html").path, encoding: .utf8)
        #expect(html.contains("Leaderboard") && html.contains("dev_accuracy vs lr") && html.contains("Importance"))
        #expect(html.contains("Cost of trial \(best.number)") && html.components(separatedBy: "<svg").count - 1 >= 4)
    }

    /// The `backprop` executable next to the test bundle, when it has been built.
    static var executable: URL? {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("backprop")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return nil
    }

    @Test("--jobs 2 runs a worker process on the same study; every trial is evaluated once",
          .enabled(if: SearchCommandTests.executable != nil))
    func parallelWorkers() throws {
        let folder = try Self.folder()
        let config = folder.appendingPathComponent("space.yaml").path
        try "data: \"moons:n=400\"\nlayers: [2, 8, 2]\nepochs: 40\nsearch:\n  lr: {log-uniform: [0.001, 1.0]}\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let study = folder.appendingPathComponent("study.db").path
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = ["search", "--config", config, "--strategy", "random", "--trials", "10", "--study", study, "--jobs", "2"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let store = try SQLiteStudyStore(path: study)
        let trials = try store.trials()
        #expect(trials.map(\.number) == Array(0..<10) && trials.allSatisfy { $0.status == .completed })
        let workers = Set(try trials.map { try store.worker(trialID: $0.id) ?? "" })
        #expect(!workers.contains("") && workers.count <= 2, "workers: \(workers)")
    }

    @Test func badSettingsAreNamed() throws {
        let folder = try Self.folder()
        let config = folder.appendingPathComponent("plain.yaml").path
        try "epochs: 2\n".write(toFile: config, atomically: true, encoding: .utf8)
        #expect { try Self.search(["--config", config, "--study", folder.appendingPathComponent("s.db").path]) } throws: {
            "\($0)".contains("no search: block")
        }
        // One parse error only: building the usage text of this large command is slow in debug builds.
        for (arguments, flag) in [(["--strategy", "bayes", "--study", "x.db"], "--strategy")] {
            do {
                _ = try BackpropCommand.parseAsRoot(["search"] + arguments)
                Issue.record("\(arguments) parsed")
            } catch {
                #expect(BackpropCommand.message(for: error).contains(flag))
            }
        }
    }
}
