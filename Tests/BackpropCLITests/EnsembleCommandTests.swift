import ArgumentParser
import Foundation
import Testing
import Backprop
@testable import BackpropCLI

@Suite("backprop ensemble")
struct EnsembleCommandTests {
    @Test func trainsMembersReportsAndSaves() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-ensemble-\(UUID().uuidString)").path
        let command = try CommandRunner.parse([
            "ensemble", "--members", "3", "--data", "moons:n=300,noise=0.3", "--layers", "2,8,2", "--epochs", "8", "--seed", "5", "--out", out,
        ], as: EnsembleCommand.self)
        var lines: [String] = []
        let report = try command.train { lines.append($0) }
        #expect(report.members.map(\.seed) == [5, 6, 7])
        let devs = report.members.compactMap(\.devAccuracy)
        #expect(devs.count == 3 && abs(report.meanMemberDevAccuracy! - devs.reduce(0, +) / 3) < 1e-12)
        #expect(report.ensembleDevAccuracy != nil && report.ensembleTestAccuracy != nil)
        #expect(lines.contains { $0.hasPrefix("ensemble") } && lines.contains { $0.hasPrefix("member 3") })
        for name in ["ensemble.json", "member-1/model.json", "member-1/model.safetensors", "member-3/model.json"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + name), "\(name)")
        }

        // evaluate on the ensemble folder measures the same test split and reports the same accuracy.
        let evaluated = try CommandRunner.parse(["evaluate", out], as: EvaluateCommand.self).measure()
        #expect(evaluated.part == "test" && evaluated.evaluation.classification?.accuracy == report.ensembleTestAccuracy)
        let dev = try CommandRunner.parse(["evaluate", out, "--part", "dev"], as: EvaluateCommand.self).measure()
        #expect(dev.evaluation.classification?.accuracy == report.ensembleDevAccuracy)
        // A member folder is an ordinary model folder: evaluate reports the member's accuracy.
        let member = try CommandRunner.parse(["evaluate", out + "/member-2"], as: EvaluateCommand.self).measure()
        #expect(member.evaluation.classification?.accuracy == report.members[1].testAccuracy)

        // predict on the ensemble folder: one row per input, probabilities the members' mean.
        let input = URL(fileURLWithPath: out).appendingPathComponent("points.csv")
        let points: [[Float]] = [[0.5, 0.2], [-1, 0.5], [1.8, -0.3], [0, 0], [2.5, 1]]
        try points.map { "\($0[0]),\($0[1])" }.joined(separator: "\n").write(to: input, atomically: true, encoding: .utf8)
        let text = try CommandRunner.parse(["predict", out, "--input", input.path, "--proba"], as: PredictCommand.self).predictions()
        let lines2 = text.split(separator: "\n")
        #expect(lines2.count == points.count + 1 && lines2[0] == "class,p_0,p_1")
        let members = try (1...3).map { try Model.load(from: URL(fileURLWithPath: out + "/member-\($0)")) }
        let matrix = Matrix<Float>(rows: points.count, columns: 2, elements: points.flatMap { $0 })
        let memberRows = try members.map { try $0.classProbabilities(matrix) }
        for (row, line) in lines2.dropFirst().enumerated() {
            let fields = line.split(separator: ",")
            let printed = fields.dropFirst().map { Double(String($0))! }
            let mean = (0..<2).map { column in memberRows.map { $0[row][column] }.reduce(0, +) / 3 }
            #expect(printed.count == 2 && zip(printed, mean).allSatisfy { abs($0 - $1) < 1e-6 }, "row \(row): \(printed) vs \(mean)")
            #expect(String(fields[0]) == members[0].classNames![mean[1] > mean[0] ? 1 : 0])
        }
    }

    /// `--threads` sets how members compute, never what they learn: one thread and two
    /// give the same member weights (a net wide enough for its products to be split).
    @Test func threadsChangeNothingTheMembersLearn() throws {
        let one = CommandRunner.temporaryFolder(), two = CommandRunner.temporaryFolder()
        for (folder, threads) in [(one, "1"), (two, "2")] {
            let run = CommandRunner.execute(["ensemble", "--members", "2", "--data", "spiral:n=600", "--layers", "2,512,512,3",
                                             "--epochs", "2", "--batch-size", "128", "--threads", threads, "--out", folder.path])
            try #require(run.code == 0, "\(run.message)")
        }
        for member in ["member-1", "member-2"] {
            let a = try Data(contentsOf: one.appendingPathComponent("\(member)/model.safetensors"))
            let b = try Data(contentsOf: two.appendingPathComponent("\(member)/model.safetensors"))
            #expect(a == b, "\(member) differs between --threads 1 and --threads 2")
        }
        let refused = CommandRunner.execute(["ensemble", "--members", "2", "--threads", "0"])
        #expect(refused.code != 0 && refused.message.contains("--threads must be at least 1"), "\(refused.message)")
    }

    @Test func combinesSavedModelFolders() throws {
        let first = CommandRunner.temporaryFolder(), second = CommandRunner.temporaryFolder(), out = CommandRunner.temporaryFolder()
        for (folder, extra) in [(first, ["--seed", "3"]), (second, ["--seed", "4", "--standardize", "--layers", "2,5,2"])] {
            let trained = CommandRunner.execute(["train", "--out", folder.path, "--data", "moons:n=300,noise=0.3", "--epochs", "6", "--json"] + extra)
            try #require(trained.code == 0, "\(trained.message)")
        }
        let command = try CommandRunner.parse(["ensemble", "--from", "\(first.path),\(second.path)", "--out", out.path], as: EnsembleCommand.self)
        var lines: [String] = []
        let report = try command.train { lines.append($0) }
        #expect(report.members.map(\.folder) == [first.path, second.path] && report.members.map(\.seed) == [3, 4])
        // Each member's accuracy is the one evaluate reports for its folder (the data of the first recipe).
        let alone = try CommandRunner.parse(["evaluate", first.path], as: EvaluateCommand.self).measure()
        #expect(report.members[0].testAccuracy == alone.evaluation.classification?.accuracy)
        let saved = try CommandRunner.parse(["evaluate", out.path], as: EvaluateCommand.self).measure()
        #expect(saved.evaluation.classification?.accuracy == report.ensembleTestAccuracy)
        #expect(lines.contains { $0.hasPrefix("Combining 2 models") })
        // The repeated form is the same list.
        let repeated = try CommandRunner.parse(["ensemble", "--from", first.path, "--from", second.path], as: EnsembleCommand.self)
        #expect(repeated.memberFolders == [first.path, second.path])
    }

    @Test func refusesMismatchedOrDamagedMembers() throws {
        let moons = CommandRunner.temporaryFolder(), blobs = CommandRunner.temporaryFolder()
        try #require(CommandRunner.execute(["train", "--out", moons.path, "--data", "moons:n=200", "--epochs", "2", "--json"]).code == 0)
        try #require(CommandRunner.execute(["train", "--out", blobs.path, "--data", "blobs:n=150,classes=3", "--epochs", "2", "--json"]).code == 0)
        let mismatched = CommandRunner.execute(["ensemble", "--from", "\(moons.path),\(blobs.path)"])
        #expect(mismatched.code != 0 && mismatched.message.contains("member 2") && mismatched.message.contains("outputs"), "\(mismatched.message)")
        let missing = CommandRunner.execute(["ensemble", "--from", "\(moons.path),\(moons.path)-absent"])
        #expect(missing.code != 0 && missing.message.contains("not a model folder"), "\(missing.message)")
        let training = CommandRunner.execute(["ensemble", "--from", moons.path, "--epochs", "3"])
        #expect(training.code != 0 && training.message.contains("without training"), "\(training.message)")

        // A saved ensemble with a corrupted member: evaluate and predict name the file.
        let out = CommandRunner.temporaryFolder()
        try #require(CommandRunner.execute(["ensemble", "--from", "\(moons.path),\(moons.path)", "--out", out.path, "--json"]).code == 0)
        let tensors = out.appendingPathComponent("member-2/model.safetensors")
        let bytes = try Data(contentsOf: tensors)
        try bytes.prefix(40).write(to: tensors)
        let evaluated = CommandRunner.execute(["evaluate", out.path])
        #expect(evaluated.code != 0 && evaluated.message.contains("member-2/model.safetensors"), "\(evaluated.message)")
        try FileManager.default.removeItem(at: out.appendingPathComponent("member-2"))
        let predicted = CommandRunner.execute(["predict", out.path, "--input", "-"])
        #expect(predicted.code != 0 && predicted.message.contains("member-2") && predicted.message.contains("missing"), "\(predicted.message)")
    }

    @Test func membersMustBePositive() {
        #expect(throws: (any Error).self) { try BackpropCommand.parseAsRoot(["ensemble", "--members", "0"]) }
    }
}
