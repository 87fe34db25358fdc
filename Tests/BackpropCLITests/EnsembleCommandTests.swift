import ArgumentParser
import Foundation
import Testing
import Backprop
@testable import BackpropCLI

@Suite("backprop ensemble")
struct EnsembleCommandTests {
    @Test func trainsMembersReportsAndSaves() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-ensemble-\(UUID().uuidString)").path
        let command = try #require(try BackpropCommand.parseAsRoot([
            "ensemble", "--members", "3", "--data", "moons:n=300,noise=0.3", "--layers", "2,8,2", "--epochs", "8", "--seed", "5", "--out", out,
        ]) as? EnsembleCommand)
        var lines: [String] = []
        let report = try command.train { lines.append($0) }
        #expect(report.members.map(\.seed) == [5, 6, 7])
        let devs = report.members.compactMap(\.devAccuracy)
        #expect(devs.count == 3 && abs(report.meanMemberDevAccuracy! - devs.reduce(0, +) / 3) < 1e-12)
        #expect(report.ensembleDevAccuracy != nil && report.ensembleTestAccuracy != nil)
        #expect(lines.contains { $0.hasPrefix("ensemble") } && lines.contains { $0.hasPrefix("member 3") })
        for name in ["ensemble.json", "member-1/weights.safetensors", "member-3/recipe.json"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + name), "\(name)")
        }
    }

    @Test func membersMustBePositive() {
        #expect(throws: (any Error).self) { try BackpropCommand.parseAsRoot(["ensemble", "--members", "0"]) }
    }
}
