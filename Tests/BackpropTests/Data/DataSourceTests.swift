import Backprop
import Testing
@testable import BackpropCore
@testable import BackpropData

@Suite("--data specification")
struct DataSourceTests {
    @Test func parsesEveryKind() throws {
        #expect(try DataSource(parsing: "moons") == .synthetic(.moons, .init()))
        #expect(try DataSource(parsing: "spiral:n=600,classes=4,noise=0.1,seed=9")
                == .synthetic(.spiral, .init(count: 600, noise: 0.1, classes: 4, seed: 9)))
        #expect(try DataSource(parsing: "blobs:dimensions=5") == .synthetic(.blobs, .init(dimensions: 5)))
        #expect(try DataSource(parsing: "circles:factor=0.3") == .synthetic(.circles, .init(factor: 0.3)))
        #expect(try DataSource(parsing: "XOR:n=10") == .synthetic(.xor, .init(count: 10)))
        #expect(try DataSource(parsing: "mnist:data/mnist") == .mnist(directory: "data/mnist"))
        #expect(try DataSource(parsing: "csv:/tmp/a b.csv") == .csv(path: "/tmp/a b.csv"))
        #expect(try DataSource(parsing: "npy:x.npy,y.npy") == .npy(features: "x.npy", targets: "y.npy"))
        #expect(try DataSource(parsing: "spiral:n=600,classes=4").description == "spiral:n=600,classes=4")
    }

    @Test(arguments: ["pictures", "moons:q=1", "moons:classes=3", "moons:n=abc", "moons:n=-5", "moons:n=5,n=6",
                      "moons:n", "iris:n=3", "csv:", "npy:x.npy", "blobs:noise=-1", "spiral:seed=x"])
    func rejectsBadSpecifications(text: String) {
        let error = dataError { _ = try DataSource(parsing: text) }
        guard case .invalidSpecification(let message)? = error?.reason else { Issue.record("no specification error for \(text)"); return }
        #expect(message.contains(text))
    }

    @Test func loadsAndSplitsSyntheticSets() throws {
        let source = try DataSource(parsing: "spiral:n=300,classes=3")
        let splits: DatasetSplits<Float> = try source.load(options: DataLoadingOptions(stratified: true, seed: 1))
        #expect(splits.train.count == 180 && splits.dev?.count == 60 && splits.test?.count == 60)
        #expect(splits.dev?.classHistogram() == [20, 20, 20])
        let again: DatasetSplits<Float> = try source.load(options: DataLoadingOptions(stratified: true, seed: 1))
        #expect(again.train.features.elements == splits.train.features.elements)
        // The seed in the specification fixes the set; the option seed still moves the split.
        let pinned = try DataSource(parsing: "moons:n=50,seed=4")
        let a: Dataset<Float> = try pinned.loadDataset(options: DataLoadingOptions(seed: 1))
        let b: Dataset<Float> = try pinned.loadDataset(options: DataLoadingOptions(seed: 2))
        #expect(a.features.elements == b.features.elements)
    }

    @Test func loadsCSVWithOptions() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let rows = (0..<10).map { "\($0)\t\($0 * 2)\t\($0 % 2 == 0 ? "even" : "odd")" }.joined(separator: "\n")
        let path = try folder.write("p.tsv", text: rows)
        let options = DataLoadingOptions(csv: CSVOptions(delimiter: "\t", hasHeader: false), fractions: try SplitFractions(train: 0.8, dev: 0.2, test: 0), seed: 3)
        let splits: DatasetSplits<Double> = try DataSource.csv(path: path).load(options: options)
        #expect(splits.train.count == 8 && splits.dev?.count == 2 && splits.test == nil)
        #expect(splits.train.classNames == ["even", "odd"])
    }

    @Test func mnistKeepsItsTestSetAndSplitsDevFromTraining() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let images = (0..<10).map { index in [UInt8](repeating: UInt8(index), count: 4) }
        try folder.write("train-images-idx3-ubyte.gz", Gzip.compress(IDXBuilder.images(images, side: 2)))
        try folder.write("train-labels-idx1-ubyte.gz", Gzip.compress(IDXBuilder.labels((0..<10).map { UInt8($0 % 2) })))
        try folder.write("t10k-images-idx3-ubyte", IDXBuilder.images(Array(images.prefix(3)), side: 2))
        try folder.write("t10k-labels-idx1-ubyte", IDXBuilder.labels([0, 1, 1]))
        let source = try DataSource(parsing: "mnist:" + folder.url.path)
        let whole: DatasetSplits<Float> = try source.load()
        #expect(whole.train.count == 10 && whole.dev == nil && whole.test?.count == 3)
        let options = DataLoadingOptions(fractions: try SplitFractions(train: 0.6, dev: 0.15, test: 0.25), stratified: true, seed: 2)
        let split: DatasetSplits<Float> = try source.load(options: options)
        #expect(split.train.count == 8 && split.dev?.count == 2 && split.test?.labels == [0, 1, 1])
        #expect(split.dev?.classHistogram()?.prefix(2) == [1, 1])
    }

    @Test func aCataloguedSetReadsItsFilesFromAFolderGivenAfterItsName() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let images = (0..<6).map { index in [UInt8](repeating: UInt8(40 * index), count: 4) }
        try folder.write("train-images-idx3-ubyte.gz", Gzip.compress(IDXBuilder.images(images, side: 2)))
        try folder.write("train-labels-idx1-ubyte.gz", Gzip.compress(IDXBuilder.labels((0..<6).map { UInt8($0 % 3) })))
        try folder.write("t10k-images-idx3-ubyte", IDXBuilder.images(Array(images.prefix(2)), side: 2))
        try folder.write("t10k-labels-idx1-ubyte", IDXBuilder.labels([2, 0]))
        let source = try DataSource(parsing: "fashion-mnist:" + folder.url.path, environment: [:])
        #expect(source == .catalogueFolder("fashion-mnist", directory: folder.url.path))
        #expect(source.description == "fashion-mnist:" + folder.url.path)
        #expect(source.catalogueDataset == nil, "a folder of the user's is never fetched")
        #expect(source.isImages, "read as images: x/255 by default")
        let splits: DatasetSplits<Float> = try source.load()
        #expect(splits.train.count == 6 && splits.test?.labels == [2, 0])
        #expect(splits.train.features[5, 0] == 200)
        let missing = try DataSource(parsing: "kmnist:" + folder.url.path + "/absent", environment: [:])
        #expect { let _: DatasetSplits<Float> = try missing.load() } throws: { "\($0)".contains("absent") }
    }
}
