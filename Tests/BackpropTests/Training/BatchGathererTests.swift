import Testing
import Backprop
@testable import BackpropCore

@Suite("Batch gathering")
struct BatchGathererTests {
    /// Float batches are copied by a C kernel, on two cores when the engine allows (here
    /// forced with a parallel limit of 0): every row lands where the index list puts it, the
    /// targets beside it, in Float as in Double.
    @Test(arguments: [1, 2])
    func copiesTheIndexedRowsInOrder(threads: Int) throws {
        let features: Matrix<Float> = randomMatrix(40, 13, seed: 1)
        let labels = (0..<40).map { $0 % 3 }
        let set = try Dataset(features: features, labels: labels, classCount: 3)
        let engine = ComputeEngine(threadCount: threads, parallelElementLimit: 0)
        let gatherer = BatchGatherer<Float>(capacity: 8, featureCount: 13, outputCount: 3)
        let indices = [39, 0, 17, 17, 5, 22, 31][...]
        gatherer.gather(indices, from: set, engine: engine)
        #expect(gatherer.features.rows == indices.count)
        for (row, index) in indices.enumerated() {
            #expect(gatherer.features.row(row) == features.row(index))
            #expect(gatherer.targets.row(row) == set.targets.row(index))
        }
        let doubles = try Dataset(features: Matrix(rows: 40, columns: 13, elements: features.elements.map(Double.init)),
                                  labels: labels, classCount: 3)
        let inDouble = BatchGatherer<Double>(capacity: 8, featureCount: 13, outputCount: 3)
        inDouble.gather(indices, from: doubles, engine: engine)
        #expect(inDouble.features.elements == gatherer.features.elements.map(Double.init))
        #expect(gatherer.allocationCount == 2)
    }
}
