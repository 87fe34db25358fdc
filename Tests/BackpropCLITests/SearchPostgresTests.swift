import Foundation
import Testing
import Backprop
@testable import BackpropCLI

/// `backprop search` workers sharing a PostgreSQL study: run against the server named by
/// `BACKPROP_TEST_POSTGRES_URL` (see scripts/postgres-test-server), skipped without it.
@Suite("backprop search on PostgreSQL")
struct SearchPostgresTests {
    static let url = ProcessInfo.processInfo.environment["BACKPROP_TEST_POSTGRES_URL"]
    static let enabled: Bool = {
        if url == nil { print("PostgreSQL search tests skipped: BACKPROP_TEST_POSTGRES_URL is not set") }
        return url != nil && SearchCommandTests.executable != nil
    }()

    /// The test server's password, from the pgpass file that PGPASSFILE names.
    static func password() throws -> String {
        let file = try #require(ProcessInfo.processInfo.environment["PGPASSFILE"])
        let line = try #require(try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").first)
        return String(line.split(separator: ":", maxSplits: 4)[4])
    }

    @Test("Three worker processes, one killed mid-trial, finish a 24-trial study with every trial run once",
          .enabled(if: enabled))
    func threeWorkersOneKilled() throws {
        let url = try #require(Self.url)
        let folder = try SearchCommandTests.folder()
        let config = folder.appendingPathComponent("moons-search.yaml").path
        try "data: \"moons:n=300\"\nlayers: [2, 8, 2]\nepochs: 25\nsearch:\n  lr: {log-uniform: [0.001, 1.0]}\n  batch-size: [16, 32]\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let name = "e2e-" + UUID().uuidString.prefix(8).lowercased()
        let password = try Self.password()
        // The workers get the password from PGPASSWORD, the test process from its pgpass file.
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSFILE"] = nil
        environment["PGPASSWORD"] = password
        let outputs = (0..<3).map { folder.appendingPathComponent("worker-\($0).txt") }
        let workers = try outputs.map { output -> Process in
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            let process = Process()
            process.executableURL = SearchCommandTests.executable
            process.arguments = ["search", "--config", config, "--strategy", "random", "--trials", "24", "--seed", "3",
                                 "--study", url, "--study-name", name]
            process.environment = environment
            process.standardOutput = try FileHandle(forWritingTo: output)
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        // Kill the first worker with SIGKILL while it runs a trial, once a few trials are done.
        let store = try PostgresStudyStore(url: PostgresURL(parsing: url), name: name)
        let victim = workers[0].processIdentifier
        let deadline = Date().addingTimeInterval(300)
        var killedTrial: Int?
        while killedTrial == nil && Date() < deadline && workers[0].isRunning {
            let trials = (try? store.trials()) ?? []
            if trials.filter({ $0.status.isFinished }).count >= 3,
               let running = trials.first(where: { $0.status == .running && $0.worker?.contains(":\(victim):") == true }) {
                kill(victim, SIGKILL)
                killedTrial = running.number
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        try #require(killedTrial != nil, "the first worker never ran a trial while others had finished three")
        for worker in workers {
            worker.waitUntilExit()
        }
        #expect(workers[0].terminationReason == .uncaughtSignal)
        #expect(workers[1].terminationStatus == 0 && workers[2].terminationStatus == 0)

        let trials = try store.trials()
        #expect(trials.map(\.number) == Array(0..<24))
        #expect(trials.allSatisfy { $0.status == .completed })
        #expect(trials.first { $0.number == killedTrial }?.attempts == 2)
        // The survivors reported each of their trials once (the killed worker's buffered output is lost).
        let printed = try outputs[1...].flatMap { try String(contentsOf: $0, encoding: .utf8).split(separator: "\n") }
            .filter { $0.hasPrefix("trial ") }.map { $0.split(separator: ":")[0] }
        #expect(Set(printed).count == printed.count, "\(printed.sorted())")
        #expect(printed.count == trials.filter { $0.worker?.contains(":\(victim):") == false }.count)

        // The leaderboard each survivor printed is what `search show` prints.
        let show = try #require(try BackpropCommand.parseAsRoot(["search", "show", url, "--study-name", name,
                                                                 "--html", folder.appendingPathComponent("r.html").path]) as? SearchShowCommand)
        let shown = try show.show()
        let survivor = try String(contentsOf: outputs[1], encoding: .utf8).split(separator: "\n").map(String.init)
        let board = Array(survivor.drop { !$0.hasPrefix("random search, seed 3") })
        #expect(!board.isEmpty && shown.starts(with: board), "\(board) vs \(shown)")
        #expect(!shown.joined().contains(password))

        let json = try #require(try BackpropCommand.parseAsRoot(["search", "show", url, "--study-name", name, "--json"]) as? SearchShowCommand)
        let object = try JSONSerialization.jsonObject(with: Data(try json.show().joined().utf8)) as? [String: Any]
        let rows = try #require(object?["trials"] as? [[String: Any]])
        #expect(rows.count == 24 && rows.allSatisfy { $0["worker"] is String && ($0["parameters"] as? [String: Any])?["lr"] is Double })
        #expect(rows.compactMap { $0["attempts"] as? Int }.reduce(0, +) == 25)
    }
}
