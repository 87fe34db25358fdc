import Foundation
import Testing
import Backprop
@testable import BackpropCLI

/// `mpirun -np N backprop train …` against the single-process run of the same recipe. Each
/// test prints why it is skipped when `mpirun`, Open MPI's library or the built `backprop`
/// is missing.
@Suite("distributed training over MPI", .serialized)
struct DistributedTrainingTests {
    static let mpirun = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Why the tests cannot run here, or `nil`.
    static var skipReason: String? {
        if mpirun == nil { return "no mpirun (install openmpi-bin)" }
        if case let .failure(error) = MPIGroup.availability() { return "\(error)" }
        if SearchCommandTests.executable == nil { return "the backprop executable is not built" }
        return nil
    }

    static func skipped(_ test: String) -> Bool {
        guard let reason = skipReason else { return false }
        print("Skipping \(test): \(reason)")
        return true
    }

    static let recipe = ["--data", "moons:n=1000", "--layers", "2,16,16,2", "--epochs", "4", "--seed", "5", "--optimizer", "momentum", "--lr", "0.1"]

    struct Outcome {
        var status: Int32
        var output: String
        var errors: String
    }

    /// Runs `backprop arguments` (under `mpirun -np ranks` when `ranks` is given) and waits at most `timeout` seconds.
    static func run(_ arguments: [String], ranks: Int?, environment: [String: String] = [:], timeout: Double = 300,
                    wrapper: String? = nil) throws -> Outcome {
        let process = Process()
        let executable = try #require(SearchCommandTests.executable).path
        if let ranks {
            process.executableURL = URL(fileURLWithPath: try #require(mpirun))
            let command = wrapper.map { ["/bin/sh", "-c", $0, "sh", executable] } ?? [executable]
            process.arguments = ["--allow-run-as-root", "--oversubscribe", "-np", "\(ranks)"] + command + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        var variables = ProcessInfo.processInfo.environment
        for (key, value) in environment { variables[key] = value }
        process.environment = variables
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if process.isRunning { process.terminate(); Issue.record("backprop \(arguments) did not end within \(timeout) s") }
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus,
                       output: String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
                       errors: String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    static func folder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("backprop-mpi-\(UUID().uuidString)")
    }

    /// Trains `arguments` into a new folder and returns it.
    static func train(_ arguments: [String], ranks: Int?) throws -> URL {
        let out = folder()
        let outcome = try run(["train"] + arguments + ["--out", out.path, "--json"], ranks: ranks)
        #expect(outcome.status == 0, "\(outcome.errors)")
        return out
    }

    /// The largest `‖a − b‖∞ / ‖b‖∞` over the parameters and buffers of two saved models.
    static func relativeDifference(_ a: URL, _ b: URL) throws -> Double {
        let first = try Model.load(from: a).network, second = try Model.load(from: b).network
        var worst = 0.0
        for (x, y) in zip(first.namedParameters, second.namedParameters) {
            let u = x.parameter.value, v = y.parameter.value
            var difference = 0.0, scale = 0.0
            for i in 0..<u.count {
                difference = max(difference, Double(abs(u.base[i] - v.base[i])))
                scale = max(scale, Double(abs(v.base[i])))
            }
            worst = max(worst, difference / max(scale, 1e-12))
        }
        return worst
    }

    static func tensors(_ folder: URL) throws -> Data {
        try Data(contentsOf: folder.appendingPathComponent(Model.tensorsFileName))
    }

    @Test("2 and 3 processes (a batch that does not divide evenly) end within 1e-5 of one process, batch norm included",
          arguments: [(2, 32), (3, 31)])
    func matchesOneProcess(ranks: Int, batch: Int) throws {
        if Self.skipped("matchesOneProcess") { return }
        let arguments = Self.recipe + ["--batch-size", "\(batch)", "--batch-norm", "before"]
        let single = try Self.train(arguments, ranks: nil)
        let distributed = try Self.train(arguments, ranks: ranks)
        let difference = try Self.relativeDifference(distributed, single)
        print("np \(ranks), batch \(batch): largest relative weight difference \(difference)")
        #expect(difference <= 1e-5)
    }

    @Test("with dropout and batch norm: repeated runs are bit-identical, 2 and 3 processes and a plain run match 1 within 1e-5")
    func dropoutDoesNotDependOnTheProcessCount() throws {
        if Self.skipped("dropoutDoesNotDependOnTheProcessCount") { return }
        let arguments = Self.recipe + ["--batch-size", "31", "--batch-norm", "after", "--dropout", "0.2,0.1"]
        let one = try Self.train(arguments, ranks: 1)
        let two = try Self.train(arguments, ranks: 2), again = try Self.train(arguments, ranks: 2)
        let three = try Self.train(arguments, ranks: 3)
        let plain = try Self.train(arguments, ranks: nil)
        #expect(try Self.tensors(two) == Self.tensors(again), "two runs of 2 processes differ")
        let differences = [try Self.relativeDifference(two, one), try Self.relativeDifference(three, one),
                           try Self.relativeDifference(plain, one)]
        print("dropout: largest relative weight difference np 2 \(differences[0]), np 3 \(differences[1]), "
              + "without mpirun \(differences[2]) against np 1")
        #expect(differences.allSatisfy { $0 <= 1e-5 })
    }

    @Test("a rank killed mid-run stops the others with an error, and the last checkpoint resumes")
    func killedRankStopsTheRun() throws {
        if Self.skipped("killedRankStopsTheRun") { return }
        let out = Self.folder()
        let epochs = 2000
        let arguments = ["train", "--data", "moons:n=1000", "--layers", "2,16,16,2", "--epochs", "\(epochs)", "--checkpoint-every", "100", "--out", out.path]
        // Rank 1 kills itself (SIGKILL) once the first checkpoint exists, so the run is cut
        // mid-way however fast the machine is.
        let checkpointFolder = out.appendingPathComponent("checkpoint").path
        let wrapper = #"if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then (while [ ! -e "\#(checkpointFolder)" ]; do sleep 0.02; done; kill -9 $$) & fi; exec "$@""#
        let started = Date()
        let killed = try Self.run(arguments, ranks: 2, environment: ["BACKPROP_MPI_TIMEOUT": "20"], timeout: 120, wrapper: wrapper)
        print("killed run: status \(killed.status) after \(Date().timeIntervalSince(started)) s; \(killed.errors.split(separator: "\n").prefix(4).joined(separator: " | "))")
        #expect(killed.status != 0)
        #expect(killed.errors.contains("signal 9") || killed.errors.contains("backprop: rank"))
        let checkpoint = try Checkpoint.read(from: out)
        #expect(checkpoint.snapshot.epoch >= 1 && checkpoint.snapshot.epoch < epochs)
        let resumed = try Self.run(["train", "--resume", out.path], ranks: 2)
        #expect(resumed.status == 0, "\(resumed.errors)")
        #expect(try Checkpoint.read(from: out).snapshot.epoch == epochs)
    }

    @Test("a rank that hangs (stopped) makes the others give up after BACKPROP_MPI_TIMEOUT with a clear error")
    func hungRankTimesOut() throws {
        if Self.skipped("hungRankTimesOut") { return }
        let out = Self.folder()
        let arguments = ["train", "--data", "moons:n=1000", "--layers", "2,16,16,2", "--epochs", "2000", "--checkpoint-every", "100", "--out", out.path]
        // Rank 1 stops (SIGSTOP) once the first checkpoint exists: mid-run however fast the machine is.
        let checkpointFolder = out.appendingPathComponent("checkpoint").path
        let wrapper = #"if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then (while [ ! -e "\#(checkpointFolder)" ]; do sleep 0.02; done; kill -STOP $$) & fi; exec "$@""#
        let hung = try Self.run(arguments, ranks: 2, environment: ["BACKPROP_MPI_TIMEOUT": "5"], timeout: 120, wrapper: wrapper)
        #expect(hung.status != 0)
        #expect(hung.errors.contains("backprop: rank 0 of 2: no answer from the other processes for 5.0 s"), "\(hung.errors)")
    }

    @Test func distributedFlagParses() throws {
        #expect(try TrainCommandTests.parse(["--distributed", "mpi"]).distributed == .mpi)
        #expect(try TrainCommandTests.parse(["--distributed", "off"]).distributed == .off)
        #expect(TrainCommandTests.parseError(["--distributed", "nccl"]) != nil)
        #expect(try DistributedMode.group(.off) == nil)
    }

    @Test func missingMPIIsExplained() {
        let error = MPIError.unavailable(attempts: ["libmpi.so.40 (cannot open shared object file)"])
        #expect(error.description.contains("Open MPI") && error.description.contains("openmpi-bin") && error.description.contains("libmpi.so.40"))
    }
}
