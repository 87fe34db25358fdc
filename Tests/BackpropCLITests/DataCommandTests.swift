import ArgumentParser
import Backprop
import Foundation
import Testing
@testable import BackpropCLI

@Suite("backprop data")
struct DataCommandTests {
    @Test func describeParsesAsANestedSubcommand() throws {
        let command = try BackpropCommand.parseAsRoot(["data", "describe", "--data", "spiral:n=90,classes=3", "--stratify", "--standardize"])
        let describe = try #require(command as? DataDescribeCommand)
        #expect(describe.dataOptions.stratify)
        #expect(try describe.dataOptions.preprocessingMethods() == [.standardize])
        #expect(try describe.dataOptions.source() == .synthetic(.spiral, .init(count: 90, classes: 3)))
    }

    @Test func helpListsTheDataOptions() {
        #expect(BackpropCommand.helpMessage().contains("data"))
        let help = BackpropCommand.helpMessage(for: DataDescribeCommand.self)
        for flag in ["--data", "--target-column", "--delimiter", "--no-header", "--split", "--stratify",
                     "--standardize", "--minmax", "--pca", "--whiten", "--augment", "--json"] {
            #expect(help.contains(flag), "help lacks \(flag)")
        }
    }

    @Test func reportShowsCountsHistogramAndStatistics() throws {
        let command = try #require(try BackpropCommand.parseAsRoot(["data", "describe", "--data", "blobs:n=300,classes=3", "--stratify"]) as? DataDescribeCommand)
        let report = try command.report()
        #expect(report.contains("examples: 300 (train 180, dev 60, test 60)"))
        #expect(report.contains("classification, 3 classes"))
        let histogramRow = report.split(separator: "\n").first { $0.hasPrefix("  0 ") }
        #expect(histogramRow.map { $0.split(separator: " ").map(String.init) } == ["0", "60", "20", "20"])
        #expect(report.contains("feature statistics (training split):"))
    }

    @Test func manyFeaturesAreSummarised() throws {
        let command = try #require(try BackpropCommand.parseAsRoot(["data", "describe", "--data", "blobs:n=60,dimensions=30", "--feature-lines", "10"]) as? DataDescribeCommand)
        let report = try command.report()
        #expect(report.contains("30 features summarised"))
        #expect(report.split(separator: "\n").count < 25)
    }

    @Test func jsonReportDecodes() throws {
        let command = try #require(try BackpropCommand.parseAsRoot(["data", "describe", "--data", "moons:n=100", "--minmax", "--split", "0.5,0.5", "--seed", "0", "--json"]) as? DataDescribeCommand)
        let decoded = try JSONDecoder().decode(DataDescribeCommand.Description.self, from: Data(try command.report().utf8))
        #expect(decoded.train.count == 50 && decoded.dev?.count == 50 && decoded.test == nil)
        #expect(decoded.train.features.allSatisfy { $0.minimum == 0 && $0.maximum == 1 })
        #expect(decoded.preprocessing.contains("min-max"))
    }

    @Test func optionsBuildPipelinesAndAugmentation() throws {
        func options(_ arguments: [String]) throws -> DataOptions { try DataOptions.parse(arguments) }
        #expect(try options(["--scale", "mnist", "--pca", "50"]).preprocessingMethods() == [.mnistPixels, .pca(components: .count(50))])
        #expect(try options(["--standardize", "--pca", "0.95", "--whiten"]).preprocessingMethods()
                == [.standardize, .pcaWhitening(components: .varianceFraction(0.95), epsilon: 1e-5)])
        #expect(try options(["--zca", "--whiten-epsilon", "0.1"]).preprocessingMethods() == [.zcaWhitening(epsilon: 0.1)])
        #expect(try options(["--augment", "shift,elastic"]).augmentation() == AugmentationOptions(kinds: [.shift, .elastic]))
        let csv = try options(["--target-column", "species", "--delimiter", "tab", "--no-header", "--regression"]).csvOptions()
        #expect(csv == CSVOptions(delimiter: "\t", hasHeader: false, targetColumn: .name("species"), targetKind: .regression))
        #expect(try options(["--target-column=-1"]).csvOptions().targetColumn == .index(-1))
        #expect(try options([]).augmenter(featureCount: 784, seed: 1, as: Float.self) == nil)
        #expect(try options(["--augment", "rotate"]).augmenter(featureCount: 784, seed: 1, as: Float.self)?.side == 28)
        #expect(throws: (any Error).self) { try options(["--augment", "rotate"]).augmenter(featureCount: 2, seed: 1, as: Float.self) }
    }

    @Test(arguments: [
        ["--data", "pictures"], ["--data", "moons:q=1"], ["--split", "0.5,0.2"], ["--standardize", "--minmax"],
        ["--pca", "zero"], ["--zca", "--whiten"], ["--augment", "blur"], ["--delimiter", "ab"],
    ])
    func badValuesAreRejectedNamingTheFlag(arguments: [String]) {
        do {
            _ = try BackpropCommand.parseAsRoot(["data", "describe"] + arguments)
            Issue.record("accepted \(arguments)")
        } catch {
            let message = BackpropCommand.message(for: error)
            #expect(message.contains(arguments[0]) || message.contains(arguments.last!), "\(message)")
        }
    }

    @Test func missingFilesAreReportedWithThePath() throws {
        let command = try #require(try BackpropCommand.parseAsRoot(["data", "describe", "--data", "csv:/nonexistent/x.csv"]) as? DataDescribeCommand)
        #expect(throws: DataError.self) { try command.report() }
        do { _ = try command.report() } catch { #expect("\(error)".contains("/nonexistent/x.csv")) }
    }
}
