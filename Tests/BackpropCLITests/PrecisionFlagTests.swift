import Foundation
import Testing
import Backprop
@testable import BackpropCLI

/// `train --precision bf16`: the products really change, the run is deterministic, an
/// interrupted run resumes bit for bit, and a CPU without AVX-512 BF16 refuses it by name.
@Suite("train --precision")
struct PrecisionFlagTests {
    static let settings = ["--data", "spiral:n=240", "--layers", "2,32,32,3", "--seed", "3", "--epochs", "4",
                           "--optimizer", "adam", "--lr", "0.01", "--batch-size", "16", "--dropout", "0.1"]

    static func weights(_ folder: URL) throws -> Data {
        try Data(contentsOf: folder.appendingPathComponent("model.safetensors"))
    }

    @Test func bfloat16RunsAreDeterministicAndResumeBitForBit() throws {
        guard ProductPrecision.bf16.missingCPUFeature == nil else {
            print("skipped: this CPU lacks avx512_bf16, so --precision bf16 cannot run here")
            return
        }
        let float32 = CommandRunner.temporaryFolder(), straight = CommandRunner.temporaryFolder()
        let again = CommandRunner.temporaryFolder(), interrupted = CommandRunner.temporaryFolder()
        for (folder, extra) in [(float32, [String]()), (straight, ["--precision", "bf16"]), (again, ["--precision", "bf16"])] {
            let run = CommandRunner.execute(["train", "--out", folder.path, "--json"] + Self.settings + extra)
            #expect(run.code == 0, "\(run.message)")
        }
        #expect(try Self.weights(straight) == Self.weights(again), "two bf16 runs with one seed differ")
        #expect(try Self.weights(straight) != Self.weights(float32), "bf16 gave the float32 weights: the products were not rounded")
        #expect(try Model.load(from: straight).manifest.recipe.precision == .bf16)

        let stopped = CommandRunner.execute(["train", "--out", interrupted.path, "--stop-after", "2", "--json", "--precision", "bf16"]
                                            + Self.settings)
        #expect(stopped.code == 0 && stopped.message.contains("--resume"), "\(stopped.message)")
        let resumed = CommandRunner.execute(["train", "--resume", interrupted.path, "--json"])
        #expect(resumed.code == 0, "\(resumed.message)")
        #expect(try Self.weights(straight) == Self.weights(interrupted), "the resumed bf16 run differs from the straight one")
    }

    @Test func bfloat16IsRefusedByNameWhereTheCPULacksIt() throws {
        guard let missing = ProductPrecision.bf16.missingCPUFeature else {
            print("skipped: this CPU has avx512_bf16, so --precision bf16 is accepted here")
            return
        }
        let run = CommandRunner.execute(["train", "--out", CommandRunner.temporaryFolder().path, "--precision", "bf16"] + Self.settings)
        #expect(run.code != 0 && run.message.contains(missing) && run.message.contains("float32"), "\(run.message)")
    }
}
