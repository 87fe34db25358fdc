import Foundation
import Testing
import Backprop
@testable import BackpropCore
@testable import BackpropModelFiles

@Suite("safetensors files")
struct SafeTensorsTests {
    func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("backprop-\(UUID().uuidString)").appendingPathComponent(name)
    }

    func network() throws -> Sequential<Float> {
        let network = try Sequential<Float>([
            Dense(inputCount: 3, outputCount: 4, activation: .relu),
            PReLU(unitCount: 4),
            Dense(inputCount: 4, outputCount: 2),
        ])
        randomizeParameters(network, seed: 21)
        return network
    }

    @Test func namesAndShapesFollowPyTorch() throws {
        // The layer list is linear, relu, prelu, linear: the fused relu takes index 1.
        let tensors = try NetworkTensors.export(try network())
        #expect(tensors.map(\.name) == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.3.weight", "layers.3.bias"])
        #expect(tensors.map(\.shape) == [[4, 3], [4], [4], [2, 4], [2]])
        #expect(tensors.allSatisfy { $0.dtype == .float32 })
        #expect(try ModelLayer.list(of: try network()).map(\.kind) == ["linear", "relu", "prelu", "linear"])
        // Format 1 counted the network's layers, the fused relu with its dense layer.
        let old = try NetworkTensors.export(try network(), layout: .networkLayers)
        #expect(old.map(\.name) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.2.weight", "layers.2.bias"])
    }

    @Test func maxoutIsALinearMapOfEveryPieceThenTheMaximum() throws {
        // Maxout(3 → 2, 3 pieces) is linear(3 → 6) then maxout; batch norm follows at index 2.
        let network = try Sequential<Float>([Maxout(inputCount: 3, outputCount: 2, pieces: 3), BatchNormalization(width: 2, momentum: 0.8),
                                             Dense(inputCount: 2, outputCount: 2)])
        let layers = try ModelLayer.list(of: network)
        #expect(layers.map(\.kind) == ["linear", "maxout", "batch-norm", "linear"])
        #expect(layers[0].outFeatures == 6 && layers[1].inFeatures == 6 && layers[1].outFeatures == 2 && layers[1].pieces == 3)
        #expect(layers[2].momentum == 0.2 && layers[2].eps == 1e-5)
        let tensors = try NetworkTensors.export(network)
        #expect(tensors.map(\.name) == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias", "layers.2.running_mean",
                                         "layers.2.running_var", "layers.3.weight", "layers.3.bias"])
        #expect(tensors.map(\.shape).prefix(2) == [[6, 3], [6]])
    }

    @Test func batchNormExportsItsRunningStatistics() throws {
        let network = try Sequential<Float>([
            Dense(inputCount: 3, outputCount: 4, hasBias: false), BatchNormalization(width: 4), Dense(inputCount: 4, outputCount: 2),
        ])
        let tensors = try NetworkTensors.export(network)
        #expect(tensors.map(\.name) == ["layers.0.weight", "layers.1.weight", "layers.1.bias", "layers.1.running_mean", "layers.1.running_var",
                                         "layers.2.weight", "layers.2.bias"])
        #expect(tensors.first { $0.name == "layers.1.running_var" }?.shape == [4])
        #expect(tensors.first { $0.name == "layers.1.running_var" }?.values == [1, 1, 1, 1])
    }

    @Test func roundTripRestoresEveryValueExactly() throws {
        let source = try network()
        let url = temporaryFile("model.safetensors")
        try AtomicFile.write(SafeTensors(tensors: try NetworkTensors.export(source), metadata: ["format": "pt"]).encoded(), to: url)
        let file = try SafeTensors(contentsOf: url)
        #expect(file.metadata == ["format": "pt"])
        let target = try Sequential<Float>([
            Dense(inputCount: 3, outputCount: 4, activation: .relu), PReLU(unitCount: 4), Dense(inputCount: 4, outputCount: 2),
        ])
        try NetworkTensors.load(file.tensors, into: target, file: url.path)
        for (a, b) in zip(source.parameters, target.parameters) {
            #expect(a.value.elements == b.value.elements)
        }
    }

    @Test func headerIsAlignedToEightBytes() throws {
        let data = SafeTensors(tensors: try NetworkTensors.export(try network())).encoded()
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(headerLength % 8 == 0)
    }

    // MARK: - Bad files

    func parseError(_ bytes: [UInt8]) -> ModelFileError? {
        do {
            _ = try SafeTensors(data: Data(bytes), file: "bad.safetensors")
            return nil
        } catch let error as ModelFileError {
            return error
        } catch {
            return nil
        }
    }

    func header(_ json: String, data: [UInt8] = []) -> [UInt8] {
        let text = Array(json.utf8)
        return withUnsafeBytes(of: UInt64(text.count).littleEndian, Array.init) + text + data
    }

    @Test func rejectsTruncatedFiles() throws {
        let good = [UInt8](SafeTensors(tensors: try NetworkTensors.export(try network())).encoded())
        guard case .truncated = parseError(Array(good.dropLast(5))) else { Issue.record("data cut short not reported"); return }
        guard case .truncated = parseError(Array(good.prefix(4))) else { Issue.record("4-byte file not reported"); return }
        guard case .truncated = parseError(Array(good.prefix(20))) else { Issue.record("header cut short not reported"); return }
    }

    @Test func rejectsMalformedHeaders() {
        let cases: [(String, [UInt8])] = [
            ("not JSON", header("{nope")),
            ("not an object", header("[1,2]")),
            ("unknown dtype", header(#"{"a":{"dtype":"Q9","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])),
            ("byte count disagrees with shape", header(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])),
            ("missing offsets", header(#"{"a":{"dtype":"F32","shape":[1]}}"#)),
            ("overlap", header(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}"#, data: [UInt8](repeating: 0, count: 8))),
        ]
        for (label, bytes) in cases {
            guard case .malformed = parseError(bytes) else { Issue.record("\(label) not reported as malformed"); continue }
        }
    }

    @Test func loadingChecksNamesAndShapes() throws {
        let source = try network()
        var tensors = try NetworkTensors.export(source)
        let target = try network()
        let before = target.parameters.map(\.value.elements)

        var missing = tensors
        missing.removeAll { $0.name == "layers.3.bias" }
        #expect(throws: ModelFileError.missingTensor(file: "m", name: "layers.3.bias")) { try NetworkTensors.load(missing, into: target, file: "m") }

        tensors[0] = SafeTensors.Tensor(name: "layers.0.weight", shape: [3, 4], values: tensors[0].values, dtype: .float32)
        #expect(throws: ModelFileError.shapeMismatch(file: "m", name: "layers.0.weight", expected: [4, 3], actual: [3, 4])) {
            try NetworkTensors.load(tensors, into: target, file: "m")
        }

        let extra = try NetworkTensors.export(source) + [SafeTensors.Tensor(name: "layers.9.weight", shape: [1], values: [0], dtype: .float32)]
        #expect(throws: ModelFileError.unexpectedTensor(file: "m", name: "layers.9.weight")) { try NetworkTensors.load(extra, into: target, file: "m") }
        #expect(target.parameters.map(\.value.elements) == before, "a failed load must leave the network unchanged")
    }

    // MARK: - Independent reader

    @Test func pythonReaderSeesTheSameTensors() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Scripts/read_safetensors.py")
        let source = try network()
        let url = temporaryFile("model.safetensors")
        try AtomicFile.write(SafeTensors(tensors: try NetworkTensors.export(source), metadata: ["framework": "backprop"]).encoded(), to: url)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, url.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = Pipe()
        do { try process.run() } catch {
            print("Skipping the independent safetensors reader check: python3 is not available")
            return
        }
        let bytes = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus == 3 || process.terminationStatus == 127 {
            print("Skipping the independent safetensors reader check: python3 with numpy is not available")
            return
        }
        try #require(process.terminationStatus == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
        #expect(json["metadata"] as? [String: String] == ["framework": "backprop"])
        let tensors = try #require(json["tensors"] as? [String: [String: Any]])
        let written = try NetworkTensors.export(source)
        #expect(Set(tensors.keys) == Set(written.map(\.name)))
        for tensor in written {
            let entry = try #require(tensors[tensor.name], "\(tensor.name) missing in the Python reading")
            let values = try #require(entry["values"] as? [Double])
            // float32 values printed by Python and parsed back as Double round to the same Float.
            #expect(values.map { Float($0) } == tensor.values.map { Float($0) }, "\(tensor.name) values differ")
        }
        #expect(tensors["layers.0.weight"]?["shape"] as? [Int] == [4, 3])
        #expect(tensors["layers.0.bias"]?["shape"] as? [Int] == [4])
    }

    @Test func atomicWriteLeavesExistingFileWhenItFails() throws {
        let url = temporaryFile("keep.txt")
        try AtomicFile.write("original", to: url)
        let blocked = url.appendingPathComponent("child.txt")  // a path under a regular file cannot be created
        #expect(throws: ModelFileError.self) { try AtomicFile.write("new", to: blocked) }
        #expect(try String(contentsOf: url, encoding: .utf8) == "original")
        try AtomicFile.write("replaced", to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "replaced")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)
    }
}
