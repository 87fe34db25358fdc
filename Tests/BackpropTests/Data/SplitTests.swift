import Backprop
import Testing
@testable import BackpropCore
@testable import BackpropData

@Suite("Splits and k-fold")
struct SplitTests {
    /// Unbalanced labels: 0 ×503, 1 ×211, 2 ×37.
    static let labels: [Int] = Array(repeating: 0, count: 503) + Array(repeating: 1, count: 211) + Array(repeating: 2, count: 37)

    @Test func defaultsDependOnSize() throws {
        #expect(SplitFractions.defaults(forCount: 1_000_000) == (try SplitFractions(train: 0.6, dev: 0.2, test: 0.2)))
        #expect(SplitFractions.defaults(forCount: 1_000_001) == (try SplitFractions(train: 0.98, dev: 0.01, test: 0.01)))
    }

    @Test func parsesFractions() throws {
        #expect(try SplitFractions(parsing: "0.7,0.2,0.1") == SplitFractions(train: 0.7, dev: 0.2, test: 0.1))
        #expect(try SplitFractions(parsing: "80,20") == SplitFractions(train: 0.8, dev: 0.2, test: 0))
        #expect(throws: NetworkError.self) { try SplitFractions(parsing: "0.7,0.2") }
        #expect(throws: NetworkError.self) { try SplitFractions(parsing: "a,b,c") }
        #expect(throws: NetworkError.self) { try SplitFractions(parsing: "1.2,-0.2,0") }
    }

    @Test func plainSplitPartitionsAndHasTheRightSizes() throws {
        let split = DataSplitter.split(count: 751, fractions: try SplitFractions(train: 0.6, dev: 0.2, test: 0.2), seed: 3)
        #expect(split.dev.count == 150 && split.test.count == 150 && split.train.count == 451)
        #expect((split.train + split.dev + split.test).sorted() == Array(0..<751))
    }

    @Test func stratifiedSharesAreWithinOneExample() throws {
        let fractions = try SplitFractions(train: 0.6, dev: 0.25, test: 0.15)
        let split = DataSplitter.split(count: Self.labels.count, fractions: fractions, stratifiedBy: Self.labels, seed: 9)
        #expect((split.train + split.dev + split.test).sorted() == Array(0..<Self.labels.count))
        for (part, share) in [(split.train, fractions.train), (split.dev, fractions.dev), (split.test, fractions.test)] {
            for (label, total) in [(0, 503), (1, 211), (2, 37)] {
                let count = part.filter { Self.labels[$0] == label }.count
                #expect(abs(Double(count) - Double(total) * share) <= 1, "class \(label): \(count) vs \(Double(total) * share)")
            }
        }
    }

    @Test func sameSeedSameSplitOtherSeedOtherSplit() throws {
        let fractions = try SplitFractions(train: 0.6, dev: 0.2, test: 0.2)
        #expect(DataSplitter.split(count: 100, fractions: fractions, seed: 4) == DataSplitter.split(count: 100, fractions: fractions, seed: 4))
        #expect(DataSplitter.split(count: 100, fractions: fractions, seed: 4) != DataSplitter.split(count: 100, fractions: fractions, seed: 5))
        let a = DataSplitter.split(count: Self.labels.count, fractions: fractions, stratifiedBy: Self.labels, seed: 4)
        let b = DataSplitter.split(count: Self.labels.count, fractions: fractions, stratifiedBy: Self.labels, seed: 4)
        #expect(a == b)
        let foldsA = try DataSplitter.kFold(count: 50, folds: 5, seed: 1).map(\.validation)
        let foldsB = try DataSplitter.kFold(count: 50, folds: 5, seed: 1).map(\.validation)
        #expect(foldsA == foldsB)
    }

    @Test(arguments: [false, true]) func kFoldPartitionsTheIndices(stratified: Bool) throws {
        let count = Self.labels.count
        let folds = try DataSplitter.kFold(count: count, folds: 7, stratifiedBy: stratified ? Self.labels : nil, seed: 2)
        #expect(folds.count == 7)
        #expect(folds.flatMap(\.validation).sorted() == Array(0..<count))
        for fold in folds {
            #expect(Set(fold.train).isDisjoint(with: fold.validation))
            #expect(fold.train.count + fold.validation.count == count)
        }
        let sizes = folds.map(\.validation.count)
        #expect(sizes.max()! - sizes.min()! <= 1)
        if stratified {
            for label in 0..<3 {
                let perFold = folds.map { $0.validation.filter { Self.labels[$0] == label }.count }
                #expect(perFold.max()! - perFold.min()! <= 1, "class \(label): \(perFold)")
            }
        }
    }

    @Test func leaveOneOutAndInvalidK() throws {
        let folds = try DataSplitter.kFold(count: 4, folds: 4, seed: 0)
        #expect(folds.allSatisfy { $0.validation.count == 1 })
        #expect(throws: NetworkError.self) { try DataSplitter.kFold(count: 4, folds: 5, seed: 0) }
        #expect(throws: NetworkError.self) { try DataSplitter.kFold(count: 4, folds: 1, seed: 0) }
    }

    @Test func datasetSplitKeepsRowsWithTheirLabels() throws {
        let set = try Dataset<Double>.spiral(count: 90, classes: 3, seed: 1)
        let parts = set.split(fractions: try SplitFractions(train: 0.5, dev: 0.5, test: 0), stratified: true, seed: 2)
        #expect(parts.test == nil)
        #expect(parts.train.count == 45 && parts.dev?.count == 45)
        #expect(parts.train.classHistogram() == [15, 15, 15])
        // Every training row is some original row with the same label.
        let originals = (0..<set.count).map { (set.features.row($0), set.labels![$0]) }
        for row in 0..<parts.train.count {
            #expect(originals.contains { $0.0 == parts.train.features.row(row) && $0.1 == parts.train.labels![row] })
        }
    }

    @Test func datasetFoldsCoverEveryExampleOnce() throws {
        let set = try Dataset<Double>.blobs(count: 60, classes: 3, seed: 5)
        let folds = try set.folds(4, stratified: true, seed: 1)
        #expect(folds.count == 4)
        #expect(folds.map(\.validation.count).reduce(0, +) == 60)
        #expect(folds.allSatisfy { $0.train.count == 45 && $0.validation.classHistogram() == [5, 5, 5] })
        let validationRows = folds.flatMap { fold in (0..<fold.validation.count).map { fold.validation.features.row($0) } }
        let allRows = (0..<60).map { set.features.row($0) }
        #expect(Set(validationRows.map { $0.description }) == Set(allRows.map { $0.description }))
    }
}
