import Foundation
import Testing
import Backprop
@testable import BackpropCLI

/// `train` with the default pixel scale of image data, `--scale none`, `--label-smoothing`,
/// the smooth activations and alpha dropout, run in-process on small sets.
@Suite("train: pixel scale, label smoothing, GELU/SiLU/SELU")
struct TrainingQualityFlagsTests {
    /// A folder of the four MNIST IDX files holding 4×4 images (60 training, 20 test, ten
    /// classes) whose pixels span 0…255.
    static func tinyImageFolder() throws -> URL {
        let folder = CommandRunner.temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        func bigEndian(_ value: Int) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }
        var random = RandomGenerator(seed: 11)
        func write(_ name: String, count: Int) throws {
            let labels = (0..<count).map { UInt8($0 % 10) }
            // Class c lights pixel c brightly; the rest is dim noise; pixel 15 of image 0 is 255.
            let pixels = labels.enumerated().flatMap { index, label in
                (0..<16).map { j -> UInt8 in
                    if index == 0 && j == 15 { return 255 }
                    return j == Int(label) ? 200 + UInt8(random.next() % 50) : UInt8(random.next() % 40)
                }
            }
            let images = bigEndian(2051) + bigEndian(count) + bigEndian(4) + bigEndian(4) + pixels
            try Data(images).write(to: folder.appendingPathComponent("\(name)-images-idx3-ubyte"))
            try Data(bigEndian(2049) + bigEndian(count) + labels).write(to: folder.appendingPathComponent("\(name)-labels-idx1-ubyte"))
        }
        try write("train", count: 60)
        try write("t10k", count: 20)
        return folder
    }

    /// Trains with `arguments` into a fresh folder; returns the printed lines and the folder.
    static func train(_ arguments: [String]) throws -> (lines: [String], folder: URL) {
        let out = CommandRunner.temporaryFolder()
        let command = try CommandRunner.parse(["train", "--out", out.path] + arguments, as: TrainCommand.self)
        var lines: [String] = []
        _ = try command.train { lines.append($0) }
        return (lines, out)
    }

    @Test func imageDataDefaultsToUnitScaleAndRecordsIt() throws {
        let data = try Self.tinyImageFolder()
        let (lines, folder) = try Self.train(["--data", "mnist:\(data.path)", "--layers", "16,6,10", "--epochs", "2", "--optimizer", "adam", "--lr", "0.01"])
        #expect(lines.contains("Pixel scale: x/255 (the default for images; scale none keeps the raw 0–255 values)"), "\(lines)")
        let model = try Model.load(from: folder)
        #expect(model.pipeline.steps.map(\.method) == [.unitPixels])
        // evaluate applies the saved step to the raw pixels and measures what train reported.
        let report = try CommandRunner.parse(["evaluate", folder.path], as: EvaluateCommand.self).measure()
        let recorded = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("model.json"))) as? [String: Any])
        #expect(report.evaluation.classification?.accuracy == (recorded["metrics"] as? [String: Double])?["test_accuracy"])
    }

    @Test func scaleNoneKeepsTheRawPixels() throws {
        let data = try Self.tinyImageFolder()
        let (lines, folder) = try Self.train(["--data", "mnist:\(data.path)", "--layers", "16,6,10", "--epochs", "1", "--scale", "none"])
        #expect(lines.contains("Pixel scale: raw 0–255 values (asked: scale none)"), "\(lines)")
        #expect(try Model.load(from: folder).pipeline.isEmpty)
        // A model folder without the step (as every one written before the default) is
        // evaluated on the raw pixels: the accuracy train recorded.
        let report = try CommandRunner.parse(["evaluate", folder.path], as: EvaluateCommand.self).measure()
        let recorded = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("model.json"))) as? [String: Any])
        #expect(report.evaluation.classification?.accuracy == (recorded["metrics"] as? [String: Double])?["test_accuracy"])
        let tabular = try Self.train(["--data", "moons:n=100", "--epochs", "1"])
        #expect(!tabular.lines.contains { $0.hasPrefix("Pixel scale:") })
    }

    @Test func labelSmoothingIsRefusedForTheQuadraticCost() {
        let failure = CommandRunner.execute(["train", "--data", "moons:n=100", "--loss", "mse", "--label-smoothing", "0.1"])
        #expect(failure.code != 0 && failure.message.contains("label-smoothing"), "\(failure.message)")
        #expect(failure.message.contains("softmax-ce and binary-ce only"), "\(failure.message)")
    }

    @Test("Resumed runs equal straight runs bit for bit", arguments: [
        ["--activation", "selu", "--dropout", "0.1", "--dropout-style", "alpha", "--label-smoothing", "0.1"],
        ["--activation", "gelu", "--label-smoothing", "0.2", "--loss", "binary-ce"],
        ["--activation", "silu", "--dropout", "0.2"],
    ])
    func resumeIsExact(flags: [String]) throws {
        let settings = ["--epochs", "5", "--optimizer", "adam", "--lr", "0.01", "--json", "--data", "moons:n=300", "--seed", "3"] + flags
        let straight = CommandRunner.temporaryFolder(), interrupted = CommandRunner.temporaryFolder()
        #expect(CommandRunner.execute(["train", "--out", straight.path] + settings).code == 0)
        #expect(CommandRunner.execute(["train", "--out", interrupted.path, "--stop-after", "2"] + settings).code == 0)
        let resumed = CommandRunner.execute(["train", "--resume", interrupted.path, "--json"])
        #expect(resumed.code == 0, "\(resumed.message)")
        let a = try Data(contentsOf: straight.appendingPathComponent("model.safetensors"))
        let b = try Data(contentsOf: interrupted.appendingPathComponent("model.safetensors"))
        #expect(a == b, "\(flags): the resumed run's weights differ")
        let model = try Model.load(from: interrupted)
        #expect(model.manifest.recipe == (try Model.load(from: straight)).manifest.recipe)
        if let index = flags.firstIndex(of: "--label-smoothing") {
            #expect(model.manifest.recipe.labelSmoothing == Double(flags[index + 1]))
            // evaluate's cost uses the same smoothed targets as the cost train reported.
            let report = try CommandRunner.parse(["evaluate", straight.path], as: EvaluateCommand.self).measure()
            let recorded = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: straight.appendingPathComponent("model.json"))) as? [String: Any])
            let testCost = try #require((recorded["metrics"] as? [String: Double])?["test_cost"])
            #expect(abs(report.evaluation.cost - testCost) < 1e-5)
        }
    }
}
