import Backprop
import Testing
@testable import BackpropCore
@testable import BackpropData

@Suite("Batches and statistics")
struct BatchIteratorTests {
    func numbered(_ count: Int) throws -> Dataset<Double> {
        let features = Matrix<Double>(rows: count, columns: 2, elements: (0..<(2 * count)).map(Double.init))
        return try Dataset(features: features, labels: (0..<count).map { $0 % 3 }, classCount: 3)
    }

    @Test func anEpochVisitsEveryExampleOnceWithRowsAndTargetsTogether() throws {
        let set = try numbered(23)
        let batches = BatchIterator(dataset: set, batchSize: 5, random: RandomGenerator(seed: 1))
        #expect(batches.batchesPerEpoch == 5)
        var seen: [Int] = []
        var sizes: [Int] = []
        var buffers: Set<ObjectIdentifier> = []
        batches.beginEpoch()
        while let batch = batches.next() {
            sizes.append(batch.size)
            buffers.insert(ObjectIdentifier(batch.features))
            for (row, index) in batch.indices.enumerated() {
                #expect(batch.features.row(row) == set.features.row(index))
                #expect(batch.targets.row(row) == set.targets.row(index))
                seen.append(index)
            }
        }
        #expect(sizes == [5, 5, 5, 5, 3])
        #expect(seen.sorted() == Array(0..<23))
        #expect(seen != Array(0..<23))  // shuffled
        #expect(buffers.count == 1)  // one reused buffer
    }

    @Test func epochsReshuffleDeterministically() throws {
        let set = try numbered(40)
        func orders(seed: UInt64) -> [[Int]] {
            var sampler = BatchSampler(count: 40, batchSize: 40, random: RandomGenerator(seed: seed))
            return (0..<3).map { _ in
                sampler.beginEpoch()
                return Array(sampler.nextBatch()!)
            }
        }
        let a = orders(seed: 3)
        #expect(a == orders(seed: 3))
        #expect(a[0] != a[1])
        #expect(a != orders(seed: 4))
        let sequential = BatchIterator(dataset: set, batchSize: 16, shuffles: false, dropsLast: true, random: RandomGenerator(seed: 0))
        sequential.beginEpoch()
        #expect(Array(sequential.next()!.indices) == Array(0..<16))
        #expect(sequential.next() != nil)
        #expect(sequential.next() == nil)  // the last 8 are dropped
    }

    @Test func histogramAndFeatureStatistics() throws {
        let set = try Dataset<Double>(features: Matrix([[1, 5], [3, 5], [5, 5], [7, 5]]), labels: [0, 2, 2, 1], classCount: 4)
        #expect(set.classHistogram() == [1, 1, 2, 0])
        let statistics = set.featureStatistics()
        #expect(statistics[0].mean == 4 && statistics[0].minimum == 1 && statistics[0].maximum == 7)
        #expect(isClose(statistics[0].standardDeviation, 5.0.squareRoot()))  // population: (9+1+1+9)/4
        #expect(statistics[1].isConstant && statistics[1].standardDeviation == 0)
        let summary = DatasetSummary(set)
        #expect(summary.count == 4 && summary.constantFeatureCount == 1 && summary.classHistogram == [1, 1, 2, 0])
    }
}
