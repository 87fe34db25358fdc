import Foundation
import Testing
import Backprop
@testable import BackpropCore
@testable import BackpropModelFiles
@testable import BackpropRecipes
@testable import BackpropRuns

@Suite("TensorBoard")
struct TensorBoardTests {
    @Test("CRC-32C matches the standard check values (RFC 3720 B.4)")
    func crc32cVectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }) == 0x113F_DB5C)
        #expect(CRC32C.checksum([]) == 0)
        let crc = CRC32C.checksum(Array("123456789".utf8))
        #expect(CRC32C.masked(Array("123456789".utf8)) == ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8)
    }

    @Test("A record is the length, its masked CRC, the data and the data's masked CRC")
    func recordFraming() {
        let data: [UInt8] = [1, 2, 3]
        let record = TensorBoardWriter.record(data)
        #expect(record.count == 8 + 4 + 3 + 4)
        #expect(Array(record[0..<8]) == [3, 0, 0, 0, 0, 0, 0, 0])
        let lengthCRC = CRC32C.masked(record[0..<8])
        #expect(Array(record[8..<12]) == [UInt8(lengthCRC & 0xFF), UInt8(lengthCRC >> 8 & 0xFF), UInt8(lengthCRC >> 16 & 0xFF), UInt8(lengthCRC >> 24)])
        #expect(Array(record[12..<15]) == data)
        let dataCRC = CRC32C.masked(data)
        #expect(Array(record[15..<19]) == [UInt8(dataCRC & 0xFF), UInt8(dataCRC >> 8 & 0xFF), UInt8(dataCRC >> 16 & 0xFF), UInt8(dataCRC >> 24)])
    }

    @Test("TensorBoard's EventAccumulator reads every scalar series with the history's values and the histograms' counts")
    func eventAccumulatorReadsTheRun() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tensorboard-\(UUID().uuidString)")
        var recipe = TrainingRecipe()
        recipe.data = "moons:n=300"
        recipe.layers = [2, 8, 6, 2]
        recipe.activation = "tanh"
        recipe.epochs = 4
        recipe.batchSize = 64
        let run = try TrainingRun(recipe: recipe)
        let monitor = TrainingMonitor<Float>(probe: run.splits.train, probeSize: 50)
        let board = try TensorBoardCallback<Float>(folder: folder, monitor: monitor)
        board.writer.text("hyperparameters", "| lr | 0.1 |", step: 0)
        let history = try run.fit(callbacks: [monitor, board])
        try AtomicFile.write(history.csvText(), to: folder.appendingPathComponent("history.csv"))

        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).contains { $0.hasPrefix("events.out.tfevents.") })
        guard let result = try PythonChecks.run("read_tensorboard.py", [folder.path], check: "the TensorBoard reader") else { return }
        let scalars = try #require(result["scalars"] as? [String: [[Double]]])
        let histograms = try #require(result["histograms"] as? [String: [[Double]]])
        let texts = try #require(result["texts"] as? [String: [String]])

        func series(_ tag: String) -> [[Double]] { scalars[tag] ?? [] }
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-6 * max(1, abs(b)) }   // stored as Float32
        // The epoch series, against history.csv.
        let lines = try String(contentsOf: folder.appendingPathComponent("history.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        let rows = lines.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { Double($0) } }
        #expect(rows.count == 4)
        for (column, tag) in [(1, "train_cost"), (2, "train_accuracy"), (3, "dev_cost"), (4, "dev_accuracy"), (5, "learning_rate"), (6, "seconds")] {
            let values = series("epoch/\(tag)")
            #expect(values.map { Int($0[0]) } == [1, 2, 3, 4], "epoch/\(tag)")
            for (row, point) in zip(rows, values) {
                let expected = try #require(row[column], "\(tag)")
                #expect(close(point[1], expected), "epoch/\(tag) at \(point[0]): \(point[1]) vs \(expected)")
            }
        }
        let batches = series("batch/cost")
        #expect(batches.count == history.batchCosts.count && batches.map { Int($0[0]) } == Array(1...history.batchCosts.count))
        #expect(zip(batches, history.batchCosts).allSatisfy { close($0[1], $1) })
        for record in monitor.records.dropFirst() {
            for parameter in record.parameters {
                #expect(series("update_ratio/\(parameter.name)").contains { Int($0[0]) == record.epoch && close($0[1], parameter.lastUpdateRatio) })
            }
            for layer in record.layers {
                #expect(series("saturated_fraction/\(layer.name)").contains { Int($0[0]) == record.epoch && close($0[1], layer.saturatedFraction!) })
            }
        }
        // Histograms: every parameter's values (epochs 0–4) and gradients (1–4), every activation layer.
        for (name, parameter) in run.network.namedParameters {
            let group = parameter.isRegularized ? "weights" : "biases"
            let values = try #require(histograms["\(group)/\(name)"], "\(group)/\(name)")
            #expect(values.map { Int($0[0]) } == [0, 1, 2, 3, 4])
            #expect(values.allSatisfy { $0[1] == Double(parameter.value.count) && $0[2] == Double(parameter.value.count) })
            #expect(histograms["gradients/\(name)"]?.count == 4)
        }
        for layer in monitor.records[0].layers {
            let values: [[Double]] = try #require(histograms["activations/\(layer.name)"], "\(layer.name)")
            let count = Double(50 * layer.unitCount)
            #expect(values.count == 5)
            #expect(values.allSatisfy { (point: [Double]) in point[1] == count && point[2] == count })
        }
        #expect(texts["hyperparameters"] == ["| lr | 0.1 |"])
    }
}
