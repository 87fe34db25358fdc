import Foundation
import Testing
import Backprop
@testable import BackpropModelFiles
@testable import BackpropRecipes

/// A fresh temporary directory for one test.
func makeSearchTestDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Writes `text` to `name` inside `directory` and returns the path.
func writeSearchTestFile(_ text: String, named name: String, in directory: URL) throws -> String {
    let url = directory.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

@Suite("RunConfiguration")
struct RunConfigurationTests {
    static let yaml = """
        data: moons
        layers: [2, 16, 2]
        activation: relu
        optimizer: adam
        lr: 0.01
        batch-size: 32
        epochs: 30
        seed: 4
        l2: 0
        dropout: 0.2
        batch-norm: true
        early-stopping: false
        search:
          lr: {log-uniform: [0.0001, 1.0]}
          batch-size: [16, 64]
        """

    static let toml = """
        data = "moons"
        layers = [2, 16, 2]
        activation = "relu"
        lr = 0.01
        batch-size = 32
        epochs = 30
        batch-norm = true

        [search]
        lr = { log-uniform = [0.0001, 1.0] }
        momentum = { one-minus-log-uniform = [0.9, 0.999] }
        """

    @Test func readsYAMLWithTypesOrderAndLines() throws {
        let directory = try makeSearchTestDirectory()
        let path = try writeSearchTestFile(Self.yaml, named: "run.yaml", in: directory)
        let config = try RunConfiguration.load(path: path)
        try config.validateKeys()
        #expect(config.keys == ["data", "layers", "activation", "optimizer", "lr", "batch-size", "epochs", "seed",
                                "l2", "dropout", "batch-norm", "early-stopping"])
        #expect(try config.string("data") == "moons")
        #expect(try config.intList("layers") == [2, 16, 2])
        #expect(try config.double("lr") == 0.01)
        #expect(try config.int("batch-size") == 32)
        #expect(try config.double("l2") == 0)
        #expect(try config.bool("batch-norm") == true)
        #expect(try config.bool("early-stopping") == false)
        #expect(try config.string("missing") == nil)
        #expect(throws: ConfigError(file: path, key: "missing", problem: .missingKey)) { try config.require("missing") }
        #expect(try config.require("epochs") == .int(30))
        #expect(config.entry("lr")?.line == 5)
        let space = try #require(try config.searchSpace())
        #expect(space.parameters.map(\.name) == ["lr", "batch-size"])
        #expect(space.parameters[0].domain == .logUniform(lower: 0.0001, upper: 1.0))
        #expect(space.parameters[1].domain == .choices([.int(16), .int(64)]))
    }

    @Test func yamlScalarsKeepTheirTypes() throws {
        let text = "a: 1e-4\nb: \"4\"\nc: 3\nd: 2.5\ne: false\nf: relu\ng: [0.1, 1]\nh: -7\n"
        let config = try RunConfiguration.parse(text, format: .yaml, file: "t.yaml")
        #expect(config["a"] == .double(1e-4))
        #expect(config["b"] == .string("4"))
        #expect(config["c"] == .int(3))
        #expect(config["d"] == .double(2.5))
        #expect(config["e"] == .bool(false))
        #expect(config["f"] == .string("relu"))
        #expect(config["g"] == .list([.double(0.1), .int(1)]))
        #expect(config["h"] == .int(-7))
        #expect(try config.double("c") == 3)
        #expect(throws: ConfigError.self) { try config.int("d") }
        let empty = #expect(throws: ConfigError.self) { try RunConfiguration.parse("lr:\n", format: .yaml, file: "t.yaml") }
        #expect(empty?.line == 1)
    }

    @Test func readsTOML() throws {
        let directory = try makeSearchTestDirectory()
        let path = try writeSearchTestFile(Self.toml, named: "run.toml", in: directory)
        let config = try RunConfiguration.load(path: path)
        try config.validateKeys()
        #expect(config.keys == ["data", "layers", "activation", "lr", "batch-size", "epochs", "batch-norm"])
        #expect(try config.string("data") == "moons")
        #expect(try config.intList("layers") == [2, 16, 2])
        #expect(try config.double("lr") == 0.01)
        #expect(try config.int("epochs") == 30)
        #expect(try config.bool("batch-norm") == true)
        #expect(config.entry("epochs")?.line == 6)
        let space = try #require(try config.searchSpace())
        #expect(Set(space.parameters.map(\.name)) == ["lr", "momentum"])
        #expect(space.parameters.first { $0.name == "momentum" }?.domain == .oneMinusLogUniform(lower: 0.9, upper: 0.999))
    }

    @Test func wrongTypeNamesFileKeyAndLine() throws {
        let config = try RunConfiguration.parse("epochs: 30\nlr: fast\n", format: .yaml, file: "run.yaml")
        let error = #expect(throws: ConfigError.self) { try config.double("lr") }
        #expect(error?.file == "run.yaml")
        #expect(error?.key == "lr")
        #expect(error?.line == 2)
        #expect(error?.problem == .wrongType(expected: "a number", found: "string 'fast'"))
        #expect(error?.description == "run.yaml:2: key 'lr': expected a number, found string 'fast'")
        #expect(throws: ConfigError.self) { try config.string("epochs") }
        #expect(throws: ConfigError.self) { try config.intList("epochs") }
    }

    @Test func unknownKeySuggestsClosest() throws {
        let config = try RunConfiguration.parse("epochs: 3\nbatch-sise: 32\n", format: .yaml, file: "run.yaml")
        let error = #expect(throws: ConfigError.self) { try config.validateKeys() }
        #expect(error?.key == "batch-sise")
        #expect(error?.line == 2)
        #expect(error?.problem == .unknownKey(suggestion: "batch-size"))
        #expect(error?.description.contains("did you mean 'batch-size'?") == true)
        let far = try RunConfiguration.parse("zzzzzzzz: 1\n", format: .yaml, file: "run.yaml")
        #expect(throws: ConfigError(file: "run.yaml", key: "zzzzzzzz", line: 1, problem: .unknownKey(suggestion: nil))) {
            try far.validateKeys()
        }
    }

    @Test func invalidValueIsRefused() throws {
        let config = try RunConfiguration.parse("activation: rleu\nepochs: -3\n", format: .yaml, file: "run.yaml")
        let error = #expect(throws: ConfigError.self) { try config.choice("activation", in: ["relu", "tanh", "sigmoid"]) }
        #expect(error?.description.contains("did you mean 'relu'?") == true)
        #expect(throws: ConfigError.self) { try config.int("epochs", in: 1...100_000) }
    }

    @Test func malformedFilesReportLine() throws {
        let yaml = "epochs: 3\nlayers: [2, 16\nlr: 0.1\n"
        let yamlError = #expect(throws: ConfigError.self) { try RunConfiguration.parse(yaml, format: .yaml, file: "bad.yaml") }
        #expect(yamlError?.file == "bad.yaml")
        #expect(yamlError?.line != nil)
        if case .malformed = yamlError?.problem {} else { Issue.record("expected a malformed-document error") }
        let badIndent = "epochs: 3\n  lr: 0.1\n"
        let indentError = #expect(throws: ConfigError.self) { try RunConfiguration.parse(badIndent, format: .yaml, file: "bad.yaml") }
        #expect(indentError?.line == 2)
        let toml = "epochs = 3\nlr = = 0.1\n"
        let tomlError = #expect(throws: ConfigError.self) { try RunConfiguration.parse(toml, format: .toml, file: "bad.toml") }
        #expect(tomlError?.line == 2)
        #expect(tomlError?.description.hasPrefix("bad.toml:2: malformed document") == true)
    }

    @Test func unsupportedExtensionAndMissingFile() throws {
        #expect(throws: ConfigError(file: "run.json", problem: .unsupportedFormat("json"))) {
            try RunConfiguration.load(path: "run.json")
        }
        let error = #expect(throws: ConfigError.self) { try RunConfiguration.load(path: "/nonexistent/run.yaml") }
        if case .unreadable = error?.problem {} else { Issue.record("expected an unreadable-file error") }
    }

    @Test func flagsOverrideFileValues() throws {
        let config = try RunConfiguration.parse("lr: 0.1\nepochs: 30\n", format: .yaml, file: "run.yaml")
        let merged = config.overriding(with: ["epochs": .int(5), "seed": .int(9)])
        #expect(merged.keys == ["lr", "epochs", "seed"])
        #expect(try merged.int("epochs") == 5)
        #expect(try merged.double("lr") == 0.1)
        #expect(try merged.int("seed") == 9)
        let bad = config.overriding(with: ["epochs": .string("many")])
        let error = #expect(throws: ConfigError.self) { try bad.int("epochs") }
        #expect(error?.file == RunConfiguration.commandLineSource)
    }

    @Test func searchBlockErrors() throws {
        let unknownRange = "search:\n  lr: {log-unifrom: [0.001, 1]}\n"
        let error = #expect(throws: ConfigError.self) {
            try RunConfiguration.parse(unknownRange, format: .yaml, file: "s.yaml").searchSpace()
        }
        #expect(error?.problem == .unknownKey(suggestion: "log-uniform"))
        let negative = "search:\n  lr: {log-uniform: [0, 1]}\n"
        #expect(throws: ConfigError.self) { try RunConfiguration.parse(negative, format: .yaml, file: "s.yaml").searchSpace() }
        let reversed = "search:\n  units: {int: [9, 3]}\n"
        #expect(throws: ConfigError.self) { try RunConfiguration.parse(reversed, format: .yaml, file: "s.yaml").searchSpace() }
    }
}
