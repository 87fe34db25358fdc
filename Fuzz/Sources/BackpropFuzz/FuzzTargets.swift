// libFuzzer entry point for every parser of Backprop. Built only by scripts/fuzz
// (BACKPROP_FUZZ=1 swift build -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library);
// BACKPROP_FUZZ_TARGET chooses the parser. A parser may throw on any input, but must never
// trap, crash, read out of bounds or allocate without bound.
import BackpropCore
import BackpropData
import BackpropModelFiles
import BackpropRecipes
import Foundation

/// The parsers, by the name given in BACKPROP_FUZZ_TARGET.
let targets: [String: @Sendable ([UInt8]) -> Void] = [
    "csv": { bytes in
        _ = try? CSVLoader.parse(bytes: bytes, file: "fuzz.csv") as Dataset<Float>
        _ = try? CSVLoader.parse(bytes: bytes, file: "fuzz.csv", options: CSVOptions(hasHeader: false, targetKind: .regression)) as Dataset<Double>
    },
    "idx": { bytes in
        _ = try? IDXLoader.parse(bytes, expectedMagic: IDXLoader.imageMagic, file: "fuzz.idx")
        _ = try? IDXLoader.parse(bytes, expectedMagic: IDXLoader.labelMagic, file: "fuzz.idx")
        _ = try? Gzip.decompress(bytes, file: "fuzz.gz")
    },
    "npy": { bytes in
        if let array = try? NumPyLoader.parse(bytes, file: "fuzz.npy") {
            _ = try? array.matrix(as: Float.self)
        }
    },
    "safetensors": { bytes in _ = try? SafeTensors(data: Data(bytes), file: "fuzz.safetensors") },
    "model-json": { bytes in _ = try? ModelManifest(data: Data(bytes), file: "model.json") },
    "ensemble-json": { bytes in _ = try? EnsembleManifest(data: Data(bytes), file: "ensemble.json") },
    "checkpoint-json": { bytes in fuzzCheckpoint(bytes) },
    "checkpoint-history": { bytes in fuzzCheckpointHistory(bytes) },
    "yaml": { bytes in _ = try? RunConfiguration.parse(String(decoding: bytes, as: UTF8.self), format: .yaml, file: "fuzz.yaml") },
    "toml": { bytes in _ = try? RunConfiguration.parse(String(decoding: bytes, as: UTF8.self), format: .toml, file: "fuzz.toml") },
    "recipe": { bytes in
        if let config = try? RunConfiguration.parse(String(decoding: bytes, as: UTF8.self), format: .yaml, file: "fuzz.yaml") {
            _ = try? TrainingRecipe(configuration: config)
        }
    },
    "data-spec": { bytes in _ = try? DataSource(parsing: String(decoding: bytes, as: UTF8.self), environment: [:]) },
    "setting": { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        _ = try? NamedSetting(parsing: text)
        _ = try? OptimizerConfiguration(parsing: text)
        _ = try? SettingText<ScheduleConfiguration>(parsing: text)
        _ = try? SettingText<InitializerChoice>(parsing: text)
    },
]

/// checkpoint.json next to a fixed, valid checkpoint.safetensors, read through `Checkpoint.read`.
func fuzzCheckpoint(_ bytes: [UInt8]) {
    let folder = checkpointFolder.appendingPathComponent(Checkpoint.folderName)
    try? Data(bytes).write(to: folder.appendingPathComponent(Checkpoint.manifestFileName))
    _ = try? Checkpoint.read(from: checkpointFolder)
}

/// checkpoint-history.jsonl read whole, as a checkpoint recording its length and checksum would.
func fuzzCheckpointHistory(_ bytes: [UInt8]) {
    let log = CheckpointHistoryLog(runFolder: checkpointFolder)
    try? Data(bytes).write(to: log.url)
    _ = try? log.read(CheckpointHistoryLog.Extent(epochs: 0, batchCosts: 0, bytes: bytes.count, crc32c: CRC32C.checksum(bytes)))
}

let checkpointFolder: URL = {
    let run = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-fuzz-\(getpid())")
    let folder = run.appendingPathComponent(Checkpoint.folderName)
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let tensors = SafeTensors(tensors: [SafeTensors.Tensor(name: "layers.0.weight", shape: [2], values: [0.5, -0.5], dtype: .float64)],
                              metadata: ["backprop_format": Checkpoint.formatName, "format_version": "1", "epoch": "1"])
    try? tensors.encoded().write(to: folder.appendingPathComponent(Checkpoint.tensorsFileName))
    return run
}()

let selected: @Sendable ([UInt8]) -> Void = {
    let name = ProcessInfo.processInfo.environment["BACKPROP_FUZZ_TARGET"] ?? ""
    guard let target = targets[name] else {
        FileHandle.standardError.write(Data("BACKPROP_FUZZ_TARGET must be one of: \(targets.keys.sorted().joined(separator: ", "))\n".utf8))
        exit(2)
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selected(bytes)
    return 0
}

// SwiftPM links an executable target's entry point as `<module>_main`; it hands over to
// libFuzzer's driver, which parses the libFuzzer flags and calls the function above.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@_cdecl("BackpropFuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { data, size in fuzzOneInput(data, size) }
}
