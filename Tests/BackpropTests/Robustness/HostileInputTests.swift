import Foundation
import Testing
@testable import BackpropCore
@testable import BackpropData
@testable import BackpropModelFiles
@testable import BackpropRecipes

/// Regression tests for the crash and silent-acceptance classes of hostile inputs: each
/// builds the smallest input of its class and expects a clear error, never a trap.
@Suite("Hostile inputs")
struct HostileInputTests {
    // MARK: Sizes

    @Test func checkedProductReportsOverflowAndNegatives() {
        #expect(ResourceLimits.product([3, 4]) == 12)
        #expect(ResourceLimits.product([Int(UInt32.max), Int(UInt32.max), Int(UInt32.max)]) == nil)
        #expect(ResourceLimits.product([-1, 2]) == nil)
        #expect(throws: ResourceLimitError.self) { try ResourceLimits.bytes(for: [Int.max / 2, 3], elementSize: 4, what: "x") }
        #expect(ResourceLimits.parseByteCount("2G") == 2 << 30)
    }

    @Test(arguments: ["10000000", "1000000000", "4611686018427387904", "9223372036854775807"])
    func hugeCSVLabelIsRefusedNotExpanded(label: String) {
        let error = #expect(throws: DataError.self) { try CSVLoader.parse("x,y\n1,0\n2,\(label)\n", file: "l.csv") as Dataset<Float> }
        #expect(error?.location == .line(3, column: 2, columnName: "y"))
        #expect(error?.message.contains("renumber") == true || error?.message.contains("Renumber") == true)
    }

    @Test func hugeNPYLabelIsRefusedNotExpanded() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let features = try folder.write("x.npy", NPYBuilder.file(descr: "<f4", shape: [2], data: NPYBuilder.float32([1, 2])))
        let targets = try folder.write("y.npy", NPYBuilder.file(descr: "<i8", shape: [2], data: NPYBuilder.int64([0, Int64.max])))
        let error = #expect(throws: DataError.self) { try NumPyLoader.loadDataset(features: features, targets: targets) as Dataset<Float> }
        #expect(error?.location == .record(1))
    }

    @Test func idxDimensionsWhoseProductOverflows() {
        let header = IDXBuilder.bigEndian(IDXLoader.imageMagic) + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        let error = #expect(throws: DataError.self) { try IDXLoader.parse(header, expectedMagic: IDXLoader.imageMagic, file: "i.idx") }
        #expect(error?.message.contains("64-bit") == true)
    }

    @Test func npyShapeWhoseProductOverflows() {
        // The second shape (found by fuzzing) holds no element, but its row overflows.
        for shape in [[1 << 40, 1 << 40], [0, 10_995_116_277_767_776, 1 << 40]] {
            let bytes = NPYBuilder.file(descr: "<f8", shape: shape, data: [])
            let error = #expect(throws: DataError.self) { try NumPyLoader.parse(bytes, file: "a.npy") }
            #expect(error?.message.contains("64-bit") == true, "\(shape)")
        }
    }

    @Test func safetensorsOffsetsNearIntMaxAndOverflowingShapes() {
        for entry in [#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,9223372036854775807]}}"#,
                      #"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#,
                      #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,1e300]}}"#] {
            #expect(throws: ModelFileError.self) { try SafeTensors(data: Self.safetensors(header: entry, data: [0, 0, 0, 0]), file: "m") }
        }
    }

    @Test func safetensorsWithNonFiniteWeightsOrTrailingBytes() throws {
        let header = #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        let one = Array(withUnsafeBytes(of: Float(1).bitPattern.littleEndian) { Array($0) })
        _ = try SafeTensors(data: Self.safetensors(header: header, data: one), file: "m")
        for bad in [Float.nan, .infinity, -.infinity] {
            let bytes = Array(withUnsafeBytes(of: bad.bitPattern.littleEndian) { Array($0) })
            let error = #expect(throws: ModelFileError.self) { try SafeTensors(data: Self.safetensors(header: header, data: bytes), file: "m") }
            #expect(error?.message.contains("finite") == true)
        }
        #expect(throws: ModelFileError.self) { try SafeTensors(data: Self.safetensors(header: header, data: one + [0]), file: "m") }
    }

    @Test func giantLayerSizesAreRefusedBeforeAllocating() {
        #expect(throws: NetworkError.self) { try NetworkBlueprint(sizes: [100_000, 100_000, 100_000, 10]).validate() }
        #expect(throws: NetworkError.self) { try NetworkBlueprint(sizes: [2, Int.max, 2]).validate() }
        #expect(throws: Never.self) { try NetworkBlueprint(sizes: [784, 128, 10]).validate() }
    }

    @Test func gzipBombIsRefused() throws {
        let bomb = Gzip.compress([UInt8](repeating: 0, count: 4 << 20))
        // The budget is passed, not set through the environment: tests run in parallel.
        let error = #expect(throws: DataError.self) { try Gzip.decompress(bomb, file: "b.gz", budget: 1 << 20) }
        #expect(error?.description.contains("memory budget of 1.0 MB") == true, "\(String(describing: error))")
        #expect(try Gzip.decompress(bomb, file: "b.gz", budget: 4 << 20).count == 4 << 20)
    }

    // MARK: CSV garbage and vague messages

    @Test func csvWithNULBytesIsRefusedNamingTheLine() {
        let error = #expect(throws: DataError.self) { try CSVLoader.parse("x,y\n1\u{0},0\n", file: "n.csv") as Dataset<Float> }
        #expect(error?.location == .line(2, column: 2))
    }

    @Test func csvValueOverflowingFloatNamesFileLineAndValue() {
        let error = #expect(throws: DataError.self) { try CSVLoader.parse("a,b,y\n1,2,0\n3,1e39,1\n", file: "o.csv") as Dataset<Float> }
        #expect(error?.description == #"o.csv:3:2 ("b"): the value 1e+39 does not fit in 32-bit floats"#)
        #expect(throws: Never.self) { try CSVLoader.parse("a,b,y\n1,2,0\n3,1e39,1\n", file: "o.csv") as Dataset<Double> }
    }

    @Test func csvWithOldMacLineEndsIsRead() throws {
        let set: Dataset<Float> = try CSVLoader.parse("x,y\r1,0\r2,1\r", file: "mac.csv")
        #expect(set.count == 2)
        let mixed: Dataset<Float> = try CSVLoader.parse("x,y\r\n1,0\r\n\r\n2,1", file: "dos.csv")
        #expect(mixed.count == 2)
    }

    // MARK: Model files

    // MARK: Configuration files

    @Test func deeplyNestedYAMLAndTOMLAreRefusedBeforeParsing() {
        let flow = "a: " + String(repeating: "[", count: 100_000)
        let block = (0..<300).map { String(repeating: " ", count: $0) + "k:" }.joined(separator: "\n")
        let toml = "a = " + String(repeating: "[", count: 100_000)
        for (text, format) in [(flow, ConfigFormat.yaml), (block, .yaml), (toml, .toml)] {
            let error = #expect(throws: ConfigError.self) { try RunConfiguration.parse(text, format: format, file: "deep.\(format)") }
            #expect(error?.file == "deep.\(format)")
            if case .exceedsLimit = error?.problem {} else { Issue.record("expected a limit, got \(String(describing: error))") }
        }
    }

    @Test func billionLaughsIsRefused() {
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for level in 1..<8 {
            lines.append("a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 8).joined(separator: ", ") + "]")
        }
        let error = #expect(throws: ConfigError.self) { try RunConfiguration.parse(lines.joined(separator: "\n"), format: .yaml, file: "lol.yaml") }
        if case .exceedsLimit = error?.problem {} else { Issue.record("expected a limit, got \(String(describing: error))") }
        let few = "a: &a [1, 2]\nb: *a\n"
        #expect(throws: Never.self) { try RunConfiguration.parse(few, format: .yaml, file: "ok.yaml") }
    }

    /// Found by fuzzing: toml++ asserted on a table header without a key.
    @Test func tomlTableHeaderWithoutAKeyIsRefused() {
        for text in ["[[[[[[[[[2032:T77:00Z\n", "[ ]\n", "a = 1\n[[.x]]\n"] {
            let error = #expect(throws: ConfigError.self) { try RunConfiguration.parse(text, format: .toml, file: "h.toml") }
            #expect(error?.line != nil)
        }
        #expect(throws: Never.self) { try RunConfiguration.parse("[search]\nlr = 1\nm = [\n  [ [1], {a = 2} ],\n]\n[[runs]]\nx = 2\n", format: .toml, file: "ok.toml") }
    }

    /// Found by fuzzing: toml++ asserted (aborting a debug build) on malformed date-times
    /// (`1979-05-27Tx`, `1979-02-1- 3`), on control characters and on a bracket closing
    /// another kind; all are refused before it (dates and times of every form, since no
    /// setting takes one).
    @Test func tomlDateTimeWithoutATimeAndControlCharactersAreRefused() throws {
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz/corpus/toml/assert-parse-time")
        let fuzzed = String(decoding: try Data(contentsOf: corpus), as: UTF8.self)
        let cases: [(String, Int, String)] = [
            (fuzzed, 1, "control character U+001D"),
            ("a = 1\nwhen = 1979-05-27Tx7:32:00Z\n", 2, "'1979-05-27Tx7:32:00Z' is a date or time"),
            ("when = 1979-05-27t\n", 1, "date or time"),
            ("m = [\n  1979-05-27T:00,\n]\n", 2, "'1979-05-27T:00' is a date or time"),
            (String(decoding: try Data(contentsOf: corpus.deletingLastPathComponent().appendingPathComponent("assert-malformed-date")), as: UTF8.self),
             1, "'1979-02-1- 3' is a date or time"),
            ("at = 07:32:00\n", 1, "'07:32:00' is a date or time"),
            ("a = 1\r\nb = \u{7F}\r\n", 2, "control character U+007F"),
            ("a = 1\r\n[[[x]]]\r\n", 2, "table header"),
            ("\u{FEFF}[[[[[[[[[2032:T77:00Z\n", 1, "table header"),
            (String(decoding: try Data(contentsOf: corpus.deletingLastPathComponent().appendingPathComponent("assert-parse-value")), as: UTF8.self),
             1, "'}' closes a '['"),
            ("a = 1\nb = [\n  {x = 1],\n]\n", 3, "']' closes a '{'"),
        ]
        for (text, line, words) in cases {
            let error = #expect(throws: ConfigError.self) { try RunConfiguration.parse(text, format: .toml, file: "t.toml") }
            #expect(error?.file == "t.toml" && error?.line == line, "\(String(describing: error))")
            #expect(error.map { "\($0)".contains(words) } == true, "\(String(describing: error))")
        }
        // Well-formed date-times are refused too, with their line: no setting takes one.
        for (line, date) in ["1979-05-27T07:32:00Z", "1979-05-27", "1979-05-27 07:32:00"].enumerated() {
            let text = "a = 1\n" + String(repeating: "b = 2\n", count: line) + "when = \(date) # comment\n"
            let error = #expect(throws: ConfigError.self) { try RunConfiguration.parse(text, format: .toml, file: "d.toml") }
            #expect(error?.line == line + 2 && error.map { "\($0)".contains("'\(date)' is a date or time") } == true, "\(String(describing: error))")
        }
        // Date-like text in strings, comments and keys, and numbers with a minus, are left alone.
        #expect(try RunConfiguration.parse("lr = 1e-3\nl2 = 12e-4\nsplit = [0.8, 0.1, 0.1]\n", format: .toml, file: "n.toml")["lr"] == .double(1e-3))
        let valid = "name = \"1979-05-27Tx \\\" [\"\nother = '1979-05-27Ty'\n# 1979-05-27Tz\na1979-05-27Tx = 1\r\ntab\t= 2\n"
        let configuration = try RunConfiguration.parse(valid, format: .toml, file: "ok.toml")
        #expect(configuration["name"] == .string("1979-05-27Tx \" ["))
        #expect(configuration["other"] == .string("1979-05-27Ty") && configuration["tab"] == .int(2))
        #expect(try RunConfiguration.parse("\u{FEFF}[run]\nx = 1\n", format: .toml, file: "bom.toml")["run"] != nil)
    }

    /// Found by fuzzing: YAML 1.1's base-60 integers trapped on overflow in the conversion.
    @Test func baseSixtyNumbersAreReadAsText() throws {
        let configuration = try RunConfiguration.parse("lr: 1:2:3:4:5:6:7:8:9:10:11:12\nname: 12:30\n", format: .yaml, file: "t.yaml")
        #expect(configuration["lr"] == .string("1:2:3:4:5:6:7:8:9:10:11:12") && configuration["name"] == .string("12:30"))
        #expect(throws: ConfigError.self) { try configuration.double("lr") }
    }

    @Test func oversizedConfigurationIsRefused() {
        let text = "# " + String(repeating: "x", count: ConfigLimits.maximumSize) + "\n"
        #expect(throws: ConfigError.self) { try RunConfiguration.parse(text, format: .toml, file: "big.toml") }
    }

    // MARK: Helpers

    static func safetensors(header: String, data: [UInt8]) -> Data {
        let json = Array(header.utf8)
        var bytes = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) }
        bytes += json + data
        return Data(bytes)
    }
}
