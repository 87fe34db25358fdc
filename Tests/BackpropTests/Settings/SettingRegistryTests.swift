import Foundation
import Testing
import Backprop

/// Every setting family: its registry, its round trip, and its refusals.
@Suite("Setting registries")
struct SettingRegistryTests {
    /// One family under test: its names, a few texts to round-trip, an unknown name with the
    /// suggestion expected, and bad texts with the key their message must name.
    struct Family: CustomTestStringConvertible, Sendable {
        var name: String
        var names: [String]
        var helps: [String?]
        var roundTrip: @Sendable (String) throws -> (description: String, same: Bool)
        var texts: [String]
        var misspelt: (text: String, suggestion: String)
        var badKeys: [(text: String, key: String)]
        var testDescription: String { name }
    }

    static func family<S: Setting>(_: S.Type, texts: [String], misspelt: (String, String), badKeys: [(String, String)]) -> Family {
        Family(
            name: S.family, names: S.names, helps: S.names.map { S.help(for: $0) },
            roundTrip: { text in
                let value = try S(parsing: text)
                return (value.description, try S(parsing: value.description) == value)
            },
            texts: texts, misspelt: misspelt, badKeys: badKeys)
    }

    static let families: [Family] = [
        family(HiddenActivation.self, texts: ["relu", "leaky-relu:alpha=0.1", "elu:alpha=2", "prelu:alpha=0.1", "maxout:pieces=3", "softmax", "linear"],
               misspelt: ("rleu", "relu"), badKeys: [("relu:alpha=0.1", "alpha"), ("maxout:pieces=0", "pieces"), ("leaky-relu:alpah=1", "alpah")]),
        family(LossKind.self, texts: ["mse", "binary-ce", "softmax-ce"],
               misspelt: ("sofmax-ce", "softmax-ce"), badKeys: [("mse:scale=2", "scale")]),
        family(InitializerChoice.self, texts: ["auto", "he", "orthogonal:gain=1.41", "lsuv:iterations=5", "small:std=0.5", "constant:value=0.5", "zeros"],
               misspelt: ("xavir", "xavier"), badKeys: [("small:std=0", "std"), ("orthogonal:gian=2", "gian"), ("he:gain=2", "gain")]),
        family(OptimizerConfiguration.self, texts: ["sgd", "momentum", "adam:beta2=0.99,clip-norm=5", "adamw:decay=0.1", "nesterov:beta=0.5,clip-value=1"],
               misspelt: ("adma", "adam"), badKeys: [("momentum:beta=1", "beta"), ("adam:beta3=0.9", "beta3"), ("sgd:clip-norm=-1", "clip-norm")]),
        family(ScheduleConfiguration.self, texts: ["constant", "step:every=10,factor=0.5", "cosine:warmup=5,length=50", "plateau:patience=3,maximize=1", "inverse-sqrt:k=2"],
               misspelt: ("stpe", "step"), badKeys: [("step:factor=2", "factor"), ("step:evry=2", "evry"), ("plateau:maximize=2", "maximize")]),
        family(DataSource.self, texts: ["moons", "moons:n=300,noise=0.25", "blobs:n=50,classes=4,dimensions=3,seed=7", "mnist:/data/mnist", "csv:a.csv", "npy:x.npy,y.npy"],
               misspelt: ("moon", "moons"), badKeys: [("moons:classes=3", "classes"), ("spiral:n=-4", "n"), ("circles:nosie=0.1", "nosie")]),
        family(PixelScale.self, texts: ["mnist", "unit"], misspelt: ("unti", "unit"), badKeys: [("unit:max=2", "max")]),
    ]

    @Test("lists its names, each once and with a help line", arguments: families)
    func listsNames(family: Family) {
        #expect(!family.names.isEmpty)
        #expect(Set(family.names).count == family.names.count)
        #expect(family.helps.allSatisfy { !($0 ?? "").isEmpty })
    }

    @Test("prints itself back to text that parses to the same value", arguments: families)
    func roundTrips(family: Family) throws {
        for text in family.texts {
            let (description, same) = try family.roundTrip(text)
            #expect(same, "\(text) → \(description)")
        }
        for name in family.names where family.name != "data source" || !["mnist", "csv", "npy"].contains(name) {
            #expect(try family.roundTrip(name).same, "\(name)")
        }
    }

    @Test("refuses an unknown name with the closest one", arguments: families)
    func refusesUnknownNames(family: Family) {
        #expect { _ = try family.roundTrip(family.misspelt.text) } throws: { error in
            let message = "\(error)"
            return message.contains(family.misspelt.text) && message.contains("did you mean '\(family.misspelt.suggestion)'")
        }
    }

    @Test("refuses a bad key or value, naming the key", arguments: families)
    func refusesBadKeys(family: Family) {
        for (text, key) in family.badKeys {
            #expect(throws: (any Error).self, "\(text)") { _ = try family.roundTrip(text) }
            do { _ = try family.roundTrip(text) } catch { #expect("\(error)".contains(key), "\(error)") }
        }
    }

    @Test func descriptionsDropDefaultsAndKeepOptions() throws {
        #expect(try HiddenActivation(parsing: "leaky-relu:alpha=0.01").description == "leaky-relu")
        #expect(try HiddenActivation(parsing: "Maxout:pieces=3") == .maxout(pieces: 3))
        #expect(try Initializer(parsing: "orthogonal:gain=2").description == "orthogonal:gain=2.0")
        #expect(Initializer.orthogonal(gain: 2).displayName == "orthogonal(gain=2.0)")
        #expect(try InitializerChoice(parsing: "auto").scheme == nil)
        #expect(try ScheduleConfiguration(parsing: "step:factor=0.25").description == "step:factor=0.25")
        let cosine = try ScheduleConfiguration(parsing: "cosine:min=0.5")
        #expect(throws: NetworkError.self) { try cosine.makeSchedule(initialLearningRate: 0.1, epochs: 10) }
        #expect(try cosine.makeSchedule(initialLearningRate: 1, epochs: 10) is CosineSchedule)
    }

    @Test func initializerChoicesAreAutoThenTheSchemes() {
        #expect(InitializerChoice.names == ["auto"] + Initializer.names)
        #expect(HiddenActivation.names == Activation.registry.map(\.name) + ["prelu", "maxout"])
    }

    // MARK: - MNIST folder

    @Test func bareMNISTTakesItsFolderFromTheEnvironment() throws {
        let source = try DataSource(parsing: "mnist", environment: ["BACKPROP_MNIST_DIR": "/data/mnist"])
        #expect(source == .mnist(directory: "/data/mnist"))
        #expect(try DataSource(parsing: "mnist:/elsewhere", environment: ["BACKPROP_MNIST_DIR": "/data/mnist"]) == .mnist(directory: "/elsewhere"))
        // Without the variable, a bare mnist is the catalogued set in the cache.
        #expect(try DataSource(parsing: "mnist", environment: [:]) == .catalogue("mnist"))
        #expect(try DataSource(parsing: "Fashion-MNIST", environment: [:]) == .catalogue("fashion-mnist"))
        #expect { try DataSource(parsing: "iris:n=3", environment: [:]) } throws: { "\($0)".contains("iris takes no options") }
        #expect { try DataSource(parsing: "cifar10", environment: [:]) } throws: { "\($0)".contains("did you mean 'cifar-10'") }
    }

    // MARK: - Recipe files

    @Test func recipeJSONKeepsTheSettingsAsWritten() throws {
        var recipe = TrainingRecipe()
        recipe.optimizer = "Adam:beta2=0.990"
        recipe.schedule = "step: every=5"
        recipe.initializer = "he"
        recipe.activation = "tanh"
        recipe.loss = .binaryCrossEntropy
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(recipe), as: UTF8.self)
        for fragment in [#""optimizer":"Adam:beta2=0.990""#, #""schedule":"step: every=5""#, #""initializer":"he""#,
                         #""activation":"tanh""#, #""loss":"binary-ce""#, #""data":"moons:n=1000""#] {
            #expect(json.contains(fragment), "\(json)")
        }
        let decoded = try JSONDecoder().decode(TrainingRecipe.self, from: Data(json.utf8))
        #expect(decoded == recipe)
        #expect(decoded.optimizer.value.beta2 == 0.99 && decoded.schedule.value.options["every"] == 5)
        #expect(String(decoding: try encoder.encode(decoded), as: UTF8.self) == json)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(TrainingRecipe.self, from: Data(json.replacingOccurrences(of: "tanh", with: "tahn").utf8)) }
    }

    @Test func configFilesRefuseUnknownValuesWithASuggestion() throws {
        for (key, value, suggestion) in [("optimizer", "adma", "adam"), ("schedule", "cosin", "cosine"), ("init", "xaviar", "xavier"),
                                         ("loss", "binary-c", "binary-ce"), ("scale", "mnsit", "mnist"), ("data", "spirl", "spiral"), ("activation", "tnah", "tanh")] {
            let config = try RunConfiguration.parse("\(key): \(value)\n", format: .yaml, file: "run.yaml")
            #expect { try TrainingRecipe(configuration: config) } throws: { error in
                let message = "\(error)"
                return message.contains("run.yaml:1") && message.contains("key '\(key)'") && message.contains("did you mean '\(suggestion)'")
            }
        }
    }
}
