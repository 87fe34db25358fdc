import Testing
import Backprop
@testable import BackpropCore

@Suite("Batch plan")
struct BatchPlanTests {
    @Test func specCounts() throws {
        #expect(try BatchPlan(exampleCount: 200, batchSize: 5).batchesPerEpoch == 40)
        let mnist = try BatchPlan(exampleCount: 60_000, batchSize: 64)
        #expect(mnist.fullBatchCount == 937 && mnist.remainder == 32 && mnist.batchesPerEpoch == 938)
        #expect(mnist.updates(epochs: 100) == 93_800)
    }

    @Test func remainderBatchAndSpecialCases() throws {
        let plan = try BatchPlan(exampleCount: 203, batchSize: 5)
        #expect(plan.batchesPerEpoch == 41)
        #expect(plan.range(ofBatch: 39) == 195..<200)
        #expect(plan.range(ofBatch: 40) == 200..<203)
        #expect(try BatchPlan(exampleCount: 50, batchSize: 50).kind == "batch")
        #expect(try BatchPlan(exampleCount: 50, batchSize: 500).batchesPerEpoch == 1)
        #expect(try BatchPlan(exampleCount: 50, batchSize: 1).batchesPerEpoch == 50)
        #expect(try BatchPlan(exampleCount: 50, batchSize: 1).kind == "stochastic")
        #expect(try BatchPlan(exampleCount: 50, batchSize: 8).kind == "mini-batch")
    }

    @Test func rejectsEmptySetsAndZeroBatches() {
        #expect(throws: TrainingError.self) { try BatchPlan(exampleCount: 0, batchSize: 5) }
        #expect(throws: TrainingError.self) { try BatchPlan(exampleCount: 10, batchSize: 0) }
    }
}
