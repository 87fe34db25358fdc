import ArgumentParser
import Backprop
import Foundation
import Testing
@testable import BackpropCLI

@Suite("data fetch and data list")
struct DataFetchCommandTests {
    @Test func listShowsEveryCataloguedSetAndTheCache() throws {
        let folder = CommandRunner.temporaryFolder()
        let command = try CommandRunner.parse(["data", "list", "--verbose"], as: DataListCommand.self)
        let text = command.report(cache: DatasetCache(root: folder.path))
        #expect(text.contains("cache: \(folder.path)"))
        for dataset in DatasetCatalogue.all {
            #expect(text.contains(dataset.name))
            #expect(text.contains(dataset.citation))
        }
        #expect(text.contains("cifar-10       50000+10000   3072"))
    }

    @Test func fetchRefusesUnknownNamesWithASuggestion() {
        #expect { try CommandRunner.parse(["data", "fetch", "fashion-mnst"], as: DataFetchCommand.self) } throws: { error in
            BackpropCommand.message(for: error).contains("did you mean 'fashion-mnist'")
        }
        #expect { try CommandRunner.parse(["data", "fetch", "iris", "--timeout", "0"], as: DataFetchCommand.self) } throws: { _ in true }
    }

    @Test func offlineFetchOfAnUncachedSetFails() throws {
        let command = try CommandRunner.parse(["data", "fetch", "iris", "--offline"], as: DataFetchCommand.self)
        #expect(command.fetch.options.offline)
        #expect(command.names == ["iris"])
    }

    @Test func theProgressBarShowsBytesRateAndETA() {
        #expect(DownloadReport.bytes(512) == "512 B")
        #expect(DownloadReport.bytes(9_912_422) == "9.9 MB")
        let bar = DownloadReport.bar(file: "a.gz", received: 500_000, total: 1_000_000, rate: 100_000, width: 10)
        #expect(bar == "a.gz [#####.....]  50%  500.0 kB / 1.0 MB  100.0 kB/s  ETA 0:05")
        #expect(DownloadReport.bar(file: "a.gz", received: 2_000, total: nil, rate: 0) == "a.gz 2.0 kB")
    }
}
