import Foundation
import Testing
import Backprop
@testable import BackpropData

/// A classification training part needs two classes; classes met only outside it are named.
@Suite("Class coverage of the training part")
struct ClassCoverageTests {
    static func set(_ labels: [Int], classCount: Int, names: [String]? = nil) throws -> Dataset<Float> {
        try Dataset(features: Matrix(rows: labels.count, columns: 1, elements: labels.map(Float.init)), labels: labels,
                    classCount: classCount, classNames: names)
    }

    static func csv(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-classes-\(UUID().uuidString).csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test("A single-class CSV is refused, naming the file and the class", arguments: ["a", "1"])
    func singleClassCSVIsRefused(label: String) throws {
        let rows = (0..<40).map { "\(Double($0) / 10),\(Double($0 % 7)),\(label)" }
        let file = try Self.csv("x,y,class\n" + rows.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(at: file) }
        var recipe = TrainingRecipe()
        recipe.data = try SettingText(parsing: "csv:\(file.path)")
        recipe.epochs = 1
        let error = #expect(throws: DataError.self) { _ = try TrainingRun(recipe: recipe) }
        #expect(error?.file == file.path)
        guard case let .singleClass(name, count)? = error?.reason else { Issue.record("got \(String(describing: error))"); return }
        #expect(name == label && count > 0 && count < 40)
        let text = "\(try #require(error))"
        #expect(text.contains(file.lastPathComponent) && text.contains("\"\(label)\""), "\(text)")
    }

    @Test func classesOutsideTheTrainingPartAreNamedWithTheirCounts() throws {
        let names = ["cat", "dog", "eel", "fox"]
        let splits = DatasetSplits(train: try Self.set([0, 1, 0, 1], classCount: 4, names: names),
                                   dev: try Self.set([0, 2, 2], classCount: 4, names: names),
                                   test: try Self.set([3, 1], classCount: 4, names: names))
        let warnings = try splits.checkClassCoverage(source: "csv:pets.csv", file: "pets.csv")
        #expect(warnings.count == 2)
        #expect(warnings.first?.contains("\"eel\"") == true && warnings.first?.contains("dev part of csv:pets.csv (2 examples)") == true)
        #expect(warnings.last?.contains("\"fox\"") == true && warnings.last?.contains("test part") == true && warnings.last?.contains("(1 example)") == true)

        var recipe = TrainingRecipe()
        recipe.layers = [1, 3, 4]
        recipe.epochs = 1
        let run = try TrainingRun(recipe: recipe, data: splits)
        #expect(run.dataWarnings == warnings.map { $0.replacingOccurrences(of: "csv:pets.csv", with: "\(recipe.data)") })
    }

    @Test func coveredClassesAndRegressionPassSilently() throws {
        let covered = DatasetSplits(train: try Self.set([0, 1, 2], classCount: 3), dev: try Self.set([2, 0], classCount: 3))
        #expect(try covered.checkClassCoverage(source: "s", file: nil).isEmpty)
        let values = Matrix<Float>(rows: 3, columns: 1, elements: [1, 1, 1])
        let regression = DatasetSplits(train: try Dataset(features: values, targets: values))
        #expect(try regression.checkClassCoverage(source: "s", file: nil).isEmpty)
    }
}
