import Foundation
import Testing
import Backprop
@testable import BackpropCore
@testable import BackpropModelFiles
@testable import BackpropRecipes
@testable import BackpropRuns

/// The checkpoint's history lives in an append-only file: a checkpoint costs the same at
/// any epoch, and lines appended by a write that never completed are ignored and cut off.
@Suite("Checkpoint history file")
struct CheckpointHistoryTests {
    struct Crash: Error {}

    static func folder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("backprop-history-\(UUID().uuidString)")
    }

    static func size(_ url: URL) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    static func recipe(epochs: Int) -> TrainingRecipe {
        var recipe = ResumeTests.recipe(epochs: epochs)
        recipe.earlyStopping = nil
        return recipe
    }

    @Test func checksumContinuesAcrossPieces() {
        let whole = Array("123456789".utf8)
        #expect(CRC32C.checksum(whole) == 0xE306_9283)
        #expect(CRC32C.checksum(whole[4...], continuing: CRC32C.checksum(whole[..<4])) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](), continuing: 0xE306_9283) == 0xE306_9283)
    }

    @Test("The bytes a checkpoint writes do not grow with the epoch")
    func checkpointCostDoesNotGrowWithTheRun() throws {
        let recipe = Self.recipe(epochs: 50)
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let write: (TrainingContext<Float>) throws -> Void = Checkpoint.writer(recipe: recipe, into: folder, schedule: CheckpointSchedule(every: 1))
        let log = folder.appendingPathComponent(Checkpoint.historyFileName)
        let checkpoint = folder.appendingPathComponent(Checkpoint.folderName)
        var written: [Int: Int] = [:]
        let run = try TrainingRun(recipe: recipe)
        let history = try run.fit(epochCompleted: { context in
            let logBefore = Self.size(log)
            try write(context)
            written[context.epoch] = Self.size(log) - logBefore
                + Self.size(checkpoint.appendingPathComponent(Checkpoint.manifestFileName))
                + Self.size(checkpoint.appendingPathComponent(Checkpoint.tensorsFileName))
        })
        let at5 = try #require(written[5]), at50 = try #require(written[50])
        // The whole history would add ≥ 45 epoch records and 45 × 16 batch costs (> 10 kB) by epoch 50.
        #expect(abs(at50 - at5) < 200, "epoch 5 wrote \(at5) bytes, epoch 50 wrote \(at50)")
        #expect(try String(contentsOf: log, encoding: .utf8).split(separator: "\n").count == 50)

        let read = try Checkpoint.read(from: folder)
        #expect(read.snapshot.history == history)
    }

    @Test("A crash after appending the history and before the checkpoint's rename resumes exactly")
    func crashBetweenAppendAndRenameResumesExactly() throws {
        let recipe = Self.recipe(epochs: 8)
        let straight = try TrainingRun(recipe: recipe)
        let straightHistory = try straight.fit()

        let folder = Self.folder(), saved = Self.folder()
        defer { for url in [folder, saved] { try? FileManager.default.removeItem(at: url) } }
        let files = FileManager.default
        let checkpoint = folder.appendingPathComponent(Checkpoint.folderName)
        let write: (TrainingContext<Float>) throws -> Void = Checkpoint.writer(recipe: recipe, into: folder, schedule: CheckpointSchedule(every: 1))
        #expect(throws: Crash.self) {
            try TrainingRun(recipe: recipe).fit(epochCompleted: { context in
                try write(context)
                if context.epoch == 3 { try files.copyItem(at: checkpoint, to: saved) }
                if context.epoch == 4 { throw Crash() }
            })
        }
        // The disk as the crash in epoch 4's write left it: its history line appended, its
        // checkpoint only half written in checkpoint.next/, checkpoint/ still epoch 3's.
        try files.removeItem(at: checkpoint)
        try files.moveItem(at: saved, to: checkpoint)
        try files.createDirectory(at: folder.appendingPathComponent(Checkpoint.folderName + ".next"), withIntermediateDirectories: true)
        let log = folder.appendingPathComponent(Checkpoint.historyFileName)
        #expect(try String(contentsOf: log, encoding: .utf8).split(separator: "\n").count == 4)

        let read = try Checkpoint.read(from: folder)
        #expect(read.snapshot.epoch == 3 && read.snapshot.history.epochs.map(\.epoch) == [1, 2, 3])
        let resumed = try TrainingRun(recipe: recipe)
        let resumedHistory = try resumed.fit(
            resumingFrom: read.snapshot,
            epochCompleted: Checkpoint.writer(recipe: recipe, into: folder, schedule: CheckpointSchedule(every: 1), resuming: read))
        #expect(ResumeTests.weights(resumed.network) == ResumeTests.weights(straight.network))
        #expect(resumedHistory.batchCosts == straightHistory.batchCosts)

        // The stale line of the crashed write was cut off: one line per checkpoint, and the
        // final checkpoint's history is the straight run's (wall-clock seconds aside).
        #expect(try String(contentsOf: log, encoding: .utf8).split(separator: "\n").count == 8)
        let final = try Checkpoint.read(from: folder).snapshot.history
        #expect(final.batchCosts == straightHistory.batchCosts)
        #expect(final.epochs.map(\.trainCost) == straightHistory.epochs.map(\.trainCost))
        #expect(final.epochs.map(\.devCost) == straightHistory.epochs.map(\.devCost))
        #expect(final.epochs.map(\.epoch) == Array(1...8))
    }

    @Test func aChangedShortenedOrMissingHistoryFileIsRefusedByName() throws {
        let recipe = Self.recipe(epochs: 2)
        let run = try TrainingRun(recipe: recipe)
        var snapshot: TrainingSnapshot?
        try run.fit(epochCompleted: { snapshot = $0.snapshot() })
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Checkpoint(recipe: recipe, snapshot: try #require(snapshot)).write(into: folder)
        let log = folder.appendingPathComponent(Checkpoint.historyFileName)
        let good = try Data(contentsOf: log)
        #expect(try Checkpoint.read(from: folder).snapshot == snapshot)

        var changed = good
        changed[changed.count / 2] = changed[changed.count / 2] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
        try changed.write(to: log)
        #expect { try Checkpoint.read(from: folder) } throws: { "\($0)".contains(Checkpoint.historyFileName) && "\($0)".contains("checksum") }
        try good.prefix(good.count - 3).write(to: log)
        #expect { try Checkpoint.read(from: folder) } throws: { "\($0)".contains(Checkpoint.historyFileName) && "\($0)".contains("bytes") }
        try FileManager.default.removeItem(at: log)
        #expect { try Checkpoint.read(from: folder) } throws: { "\($0)".contains(Checkpoint.historyFileName) }
    }

    @Test("The example order is a tensor of the checkpoint file; an element that is no index is refused by name")
    func exampleOrderIsATensor() throws {
        let recipe = Self.recipe(epochs: 2)
        let run = try TrainingRun(recipe: recipe)
        var snapshot: TrainingSnapshot?
        try run.fit(epochCompleted: { context in if context.epoch == 1 { snapshot = context.snapshot() } })
        let taken = try #require(snapshot)
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Checkpoint(recipe: recipe, snapshot: taken).write(into: folder)
        let checkpointFolder = folder.appendingPathComponent(Checkpoint.folderName)
        let manifest = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: checkpointFolder.appendingPathComponent(Checkpoint.manifestFileName))) as? [String: Any])
        #expect(manifest["order"] == nil)
        let tensorsURL = checkpointFolder.appendingPathComponent(Checkpoint.tensorsFileName)
        var tensors = try SafeTensors(contentsOf: tensorsURL)
        #expect(tensors["order"]?.values == taken.order.map(Double.init))
        #expect(try Checkpoint.read(from: folder).snapshot == taken)

        let index = try #require(tensors.tensors.firstIndex { $0.name == "order" })
        tensors.tensors[index].values[3] = 2.5
        try tensors.encoded().write(to: tensorsURL)
        #expect { try Checkpoint.read(from: folder) } throws: {
            "\($0)".contains(tensorsURL.path) && "\($0)".contains("\"order\" element 3 is 2.5")
        }
    }

    @Test("A format-1 checkpoint, history and order inside checkpoint.json, still reads and resumes")
    func formatOneCheckpointStillReads() throws {
        let recipe = Self.recipe(epochs: 4)
        let run = try TrainingRun(recipe: recipe)
        var snapshot: TrainingSnapshot?
        #expect(throws: Crash.self) {
            try run.fit(epochCompleted: { context in
                if context.epoch == 2 { snapshot = context.snapshot(); throw Crash() }
            })
        }
        let taken = try #require(snapshot)
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Checkpoint(recipe: recipe, snapshot: taken).write(into: folder)
        let manifestURL = folder.appendingPathComponent(Checkpoint.folderName).appendingPathComponent(Checkpoint.manifestFileName)
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as? [String: Any])
        object["format_version"] = 1
        object["order"] = taken.order
        object["history_log"] = nil
        object["stop_reason"] = nil
        object["history"] = try JSONSerialization.jsonObject(with: JSONEncoder().encode(taken.history))
        try JSONSerialization.data(withJSONObject: object).write(to: manifestURL)
        try FileManager.default.removeItem(at: folder.appendingPathComponent(Checkpoint.historyFileName))

        let read = try Checkpoint.read(from: folder)
        #expect(read.snapshot == taken)
        try TrainingRun(recipe: recipe).fit(
            resumingFrom: read.snapshot,
            epochCompleted: Checkpoint.writer(recipe: recipe, into: folder, schedule: CheckpointSchedule(every: 1), resuming: read))
        let final = try Checkpoint.read(from: folder)
        #expect(final.snapshot.epoch == 4 && final.snapshot.history.epochs.map(\.epoch) == [1, 2, 3, 4])
    }
}
