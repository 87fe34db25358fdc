import ArgumentParser
import Backprop
import Testing
@testable import BackpropCLI

/// The CLI reports any library error as its one-line description with a non-zero exit.
@Suite("Command failures")
struct CommandFailureTests {
    private func failure(_ error: any Error) -> (code: Int32, message: String)? {
        do {
            try reportingFailures { throw error }
            return nil
        } catch {
            return (BackpropCommand.exitCode(for: error).rawValue, BackpropCommand.message(for: error))
        }
    }

    @Test("Every BackpropError becomes one line that reads as its description")
    func libraryErrorsBecomeOneLine() throws {
        let errors: [any BackpropError] = [
            NetworkError.invalidSize(what: "a histogram", value: 0, requirement: "needs at least one bin"),
            TrainingError.invalidOptions("The batch size must be at least 1, got 0"),
            NonFiniteStepError(place: "the cost (nan)"),
            DataError(file: "iris.csv", location: .line(7, column: 3, columnName: "petal"), reason: .nonNumeric("abc")),
            ConfigError(file: "run.yaml", key: "lr", line: 2, problem: .wrongType(expected: "a number", found: "string 'fast'")),
            ModelFileError.missingTensor(file: "model.safetensors", name: "layers.0.weight"),
            SearchError.emptySpace,
        ]
        for error in errors {
            let reported = try #require(failure(error))
            #expect(reported.code != 0)
            #expect(reported.message == error.description && !reported.message.contains("\n"))
        }
        #expect(failure(ConfigError(file: "run.yaml", key: "lr", line: 2, problem: .wrongType(expected: "a number", found: "string 'fast'")))?.message
            == "run.yaml:2: key 'lr': expected a number, found string 'fast'")
    }
}
