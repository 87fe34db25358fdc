import Testing
import Backprop
@testable import BackpropCore

/// One error protocol: every error type of the library is a ``BackpropError`` with a message,
/// an optional location, and one composed description.
@Suite("Backprop errors")
struct BackpropErrorTests {
    /// Accepts only ``BackpropError``s, so each call below is checked by the compiler.
    private func described(_ error: any BackpropError) -> String { error.description }

    @Test("Every public error type of the library conforms to BackpropError")
    func everyErrorConforms() {
        let errors: [any BackpropError] = [
            NetworkError.emptyBatch(layer: "Dense(2 → 3, identity)"),
            TrainingError.invalidOptions("The batch size must be at least 1, got 0"),
            NonFiniteStepError(place: "the cost (nan)"),
            BLASLibrary.LoadError(kind: .blis, attempts: [], reason: "not available on this platform"),
            DataError(file: "iris.csv", location: .line(7, column: 3, columnName: "petal"), reason: .nonNumeric("abc")),
            ConfigError(file: "run.yaml", key: "lr", line: 2, problem: .wrongType(expected: "a number", found: "string 'fast'")),
            ModelFileError.missingTensor(file: "model.safetensors", name: "layers.0.weight"),
            SearchError.emptySpace,
        ]
        for error in errors {
            #expect(!described(error).isEmpty && !described(error).contains("\n"), "\(error)")
            #expect(!error.message.isEmpty)
        }
    }

    @Test("The description is LOCATION: MESSAGE, or the message alone without a location")
    func descriptionComposesLocationAndMessage() {
        let data = DataError(file: "iris.csv", location: .line(7, column: 3, columnName: "petal"), reason: .nonNumeric("abc"))
        #expect(data.errorLocation == ErrorLocation(file: "iris.csv", position: .line(7, column: 3, columnName: "petal")))
        #expect(data.message == "non-numeric value \"abc\"")
        #expect(data.description == "iris.csv:7:3 (\"petal\"): non-numeric value \"abc\"")
        #expect(DataError(file: "labels.idx", location: .record(5), reason: .labelOutOfRange(label: 12, classCount: 10)).description
            == "labels.idx: record 5: label 12 is outside 0..<10")
        #expect(DataError(file: "images.idx", location: .byte(0), reason: .emptyFile).description == "images.idx: byte 0: the file is empty")
        #expect(DataError(file: "empty.csv", reason: .emptyFile).description == "empty.csv: the file is empty")
        #expect(DataError(file: nil, reason: .invalidSpecification("unknown data 'x'")).description == "unknown data 'x'")

        #expect(ModelFileError.missingTensor(file: "m.safetensors", name: "w").errorLocation == ErrorLocation(file: "m.safetensors"))
        #expect(ModelFileError.missingTensor(file: "m.safetensors", name: "w").description == "m.safetensors: tensor 'w' is missing")

        let unlocated: [any BackpropError] = [NetworkError.emptyBatch(layer: "x"), SearchError.emptySpace, TrainingError.invalidOptions("m")]
        for error in unlocated {
            #expect(error.errorLocation == nil)
            #expect(error.description == error.message)
        }
    }

    @Test("ConfigError's own description is the composed one")
    func configErrorMatchesTheComposition() {
        let errors = [
            ConfigError(file: "run.yaml", key: "lr", line: 2, problem: .wrongType(expected: "a number", found: "string 'fast'")),
            ConfigError(file: "run.yaml", key: "batch-sise", problem: .unknownKey(suggestion: "batch-size")),
            ConfigError(file: "run.toml", problem: .malformed("bad table")),
            ConfigError(file: "<flags>", key: "epochs", problem: .invalidValue("must be at least 1")),
            ConfigError(file: "x.json", problem: .unsupportedFormat("json")),
            ConfigError(file: "run.yaml", key: "data", problem: .missingKey),
            ConfigError(file: "gone.yaml", problem: .unreadable("no such file")),
        ]
        for error in errors {
            let composed = "\(error.errorLocation!): \(error.message)"
            #expect(error.description == composed)
        }
        #expect(errors[0].description == "run.yaml:2: key 'lr': expected a number, found string 'fast'")
    }

    @Test("An ErrorLocation leaves out the parts it does not know")
    func locationDescriptions() {
        #expect(ErrorLocation(file: "a.csv", position: .line(3)).description == "a.csv:3")
        #expect(ErrorLocation(file: "a.csv", position: .line(3, column: 2)).description == "a.csv:3:2")
        #expect(ErrorLocation(position: .line(3, column: 2)).description == "line 3, column 2")
        #expect(ErrorLocation(file: "run.yaml", key: "lr").description == "run.yaml: key 'lr'")
        #expect(ErrorLocation(key: "lr").description == "key 'lr'")
        #expect(ErrorLocation().isEmpty && ErrorLocation().description.isEmpty)
    }

    @Test("Each typed NetworkError case reads as intended")
    func networkErrorCases() {
        #expect(NetworkError.invalidSize(what: "a histogram", value: 0, requirement: "needs at least one bin").description
            == "a histogram needs at least one bin, got 0")
        #expect(NetworkError.invalidValue(setting: "noise", value: "-1.0", requirement: "must be non-negative").description
            == "noise must be non-negative, got -1.0")
        #expect(NetworkError.unknownName(kind: "loss", name: "hinge", known: ["mse", "softmax-ce"]).description
            == "unknown loss 'hinge'; choose one of mse, softmax-ce")
        #expect(NetworkError.unknownName(kind: "optimiser", name: "adma", known: ["sgd", "adam"], text: "adma:beta1=0.8").description
            == "unknown optimiser 'adma' in 'adma:beta1=0.8'; choose one of sgd, adam (did you mean 'adam'?)")
        #expect(NetworkError.invalidSetting(family: "Optimiser", text: "adam:beta1=2", problem: "beta1 must lie in [0, 1), got 2.0").description
            == "Optimiser 'adam:beta1=2': beta1 must lie in [0, 1), got 2.0")
        #expect(NetworkError.invalidSetting(family: nil, text: "step:every", problem: "'every' is not of the form key=value").description
            == "'step:every': 'every' is not of the form key=value")
        #expect(NetworkError.incompatible("3 seeds", "4 ensemble members", relation: "given for").description
            == "3 seeds given for 4 ensemble members")
        #expect(NetworkError.unusable(what: "ensemble member 2", reason: "has 3 outputs, the first member 2").description
            == "ensemble member 2: has 3 outputs, the first member 2")
        #expect(NetworkError.stateMismatch(component: "adam", detail: "the saved step count -1 is negative").description
            == "adam: the saved step count -1 is negative")
        #expect(NetworkError.numericalFailure(operation: "LAPACK dsyev", detail: "info = 3 on a 4×4 matrix").description
            == "LAPACK dsyev failed: info = 3 on a 4×4 matrix")
    }

    @Test("Thrown errors keep their wording")
    func thrownMessages() throws {
        #expect { try LossKind(parsing: "hinge") } throws: {
            ($0 as? NetworkError)?.description.hasPrefix("unknown loss 'hinge'; choose one of ") == true
        }
        #expect(throws: NetworkError.invalidSize(what: "A network", value: 0, requirement: "needs at least one layer")) {
            try Sequential<Float>([])
        }
        #expect(throws: NetworkError.invalidValue(setting: "A network", value: "[4]", requirement: "needs at least an input and an output size")) {
            try Sequential<Float>.mlp([4])
        }
        #expect { try Sequential<Float>.mlp([4]) } throws: {
            "\($0)" == "A network needs at least an input and an output size, got [4]"
        }
        #expect { try Sequential<Float>([Dense(inputCount: 2, outputCount: 3), Dense(inputCount: 4, outputCount: 1)]) } throws: {
            guard case let .incompatible(first, second, relation)? = $0 as? NetworkError else { return false }
            return first.hasPrefix("layers.0 ") && first.hasSuffix("produces 3 features") && relation == "but"
                && second.hasPrefix("layers.1 ") && second.hasSuffix("expects 4")
        }
        #expect(throws: NetworkError.invalidValue(setting: "Regularisation strengths", value: "l1 = -1.0, l2 = 0.0",
                                                  requirement: "must be non-negative numbers")) {
            try RegularizationPlan<Double>(l1: -1, l2: 0)
        }
        #expect { try Dataset<Float>.twoMoons(count: 1) } throws: {
            "\($0)" == "two moons needs at least 2 points, got 1"
        }
    }
}
