import Foundation
import Testing
import Backprop
@testable import BackpropCore

/// Ranks as threads of one process: sums are taken in rank order, so every rank gets the
/// same bits, as with MPI.
final class ThreadGroup: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    private var accumulator: [Double] = []
    private var turn = 0, readers = 0, distributing = false

    init(size: Int) { self.size = size }

    func allReduceSum(rank: Int, _ buffer: UnsafeMutableBufferPointer<Double>) {
        condition.lock()
        defer { condition.unlock() }
        while distributing || turn != rank { condition.wait() }
        if rank == 0 { accumulator = Array(buffer) } else { for i in buffer.indices { accumulator[i] += buffer[i] } }
        turn += 1
        if turn == size { turn = 0; distributing = true }
        condition.broadcast()
        while !distributing { condition.wait() }
        for i in buffer.indices { buffer[i] = accumulator[i] }
        readers += 1
        if readers == size { readers = 0; distributing = false }
        condition.broadcast()
    }

    final class Member: DataParallelGroup {
        let shared: ThreadGroup
        let rank: Int
        var size: Int { shared.size }
        init(_ shared: ThreadGroup, rank: Int) { self.shared = shared; self.rank = rank }
        func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) { shared.allReduceSum(rank: rank, buffer) }
    }
}

@Suite("Data-parallel training")
struct DataParallelTests {
    @Test func slicesCoverTheBatchInRankOrder() {
        let shared = ThreadGroup(size: 3)
        let slices = (0..<3).map { ThreadGroup.Member(shared, rank: $0).slice(of: 10..<21) }
        #expect(slices == [10..<13, 13..<17, 17..<21])
    }

    /// The weights after training `blueprint` on moons with `ranks` thread ranks (`nil`: no group).
    static func train(_ blueprint: NetworkBlueprint, ranks: Int?, adversarial: AdversarialTraining? = nil) throws -> [Double] {
        let data = try Dataset<Double>.twoMoons(count: 200, seed: 3)
        func trainer() throws -> Trainer<Double> {
            let network: Sequential<Double> = try blueprint.build(seed: 4)
            var random = RandomGenerator(seed: 5)
            try network.initializeParameters(random: &random)
            return Trainer(network: network, loss: SoftmaxCrossEntropy<Double>(), optimizer: Momentum<Double>(),
                           schedule: ConstantSchedule(0.1), options: TrainingOptions(epochs: 3, batchSize: 23, seed: 6, adversarialTraining: adversarial))
        }
        guard let ranks else {
            let single = try trainer()
            try single.fit(data)
            return Self.weights(single.network)
        }
        let shared = ThreadGroup(size: ranks)
        let trainers = try (0..<ranks).map { _ in try trainer() }
        final class Work: @unchecked Sendable {
            let trainers: [Trainer<Double>], data: Dataset<Double>
            init(_ trainers: [Trainer<Double>], _ data: Dataset<Double>) { self.trainers = trainers; self.data = data }
        }
        let work = Work(trainers, data)
        let threads = (0..<ranks).map { rank in
            Thread {
                work.trainers[rank].group = ThreadGroup.Member(shared, rank: rank)
                try! work.trainers[rank].fit(work.data)
            }
        }
        threads.forEach { $0.start() }
        while threads.contains(where: { !$0.isFinished }) { Thread.sleep(forTimeInterval: 0.01) }
        let weights = trainers.map { Self.weights($0.network) }
        #expect(weights.allSatisfy { $0 == weights[0] }, "every rank holds the same weights")
        return weights[0]
    }

    static func weights(_ network: Sequential<Double>) -> [Double] {
        network.parameters.flatMap { parameter in (0..<parameter.value.count).map { parameter.value.base[$0] } }
    }

    static func relativeDifference(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).map { abs($0 - $1) }.max()! / b.map(abs).max()!
    }

    @Test("2 and 3 ranks with batch norm make the single process's updates (to rounding)", arguments: [2, 3])
    func matchesOneProcess(ranks: Int) throws {
        let blueprint = NetworkBlueprint(sizes: [2, 8, 8, 2], batchNormalization: .beforeActivation)
        let difference = Self.relativeDifference(try Self.train(blueprint, ranks: ranks), try Self.train(blueprint, ranks: nil))
        #expect(difference < 1e-12, "relative difference \(difference)")
    }

    @Test("adversarial training on 2 ranks makes the single process's updates (to rounding)")
    func adversarialTrainingMatchesOneProcess() throws {
        let blueprint = NetworkBlueprint(sizes: [2, 8, 8, 2], batchNormalization: .beforeActivation)
        let adversarial = AdversarialTraining(epsilon: 0.05, cleanWeight: 0.4)
        let single = try Self.train(blueprint, ranks: nil, adversarial: adversarial)
        let difference = Self.relativeDifference(try Self.train(blueprint, ranks: 2, adversarial: adversarial), single)
        #expect(difference < 1e-12, "relative difference \(difference)")
        #expect(Self.relativeDifference(try Self.train(blueprint, ranks: nil), single) > 1e-6, "the comparison can fail")
    }

    @Test("dropout masks drawn per example do not depend on the number of ranks")
    func dropoutMatchesOneRank() throws {
        let blueprint = NetworkBlueprint(sizes: [2, 8, 8, 2], dropProbabilities: [0.3, 0.2], batchNormalization: .afterActivation)
        let one = try Self.train(blueprint, ranks: 1)
        let difference = Self.relativeDifference(try Self.train(blueprint, ranks: 3), one)
        #expect(difference < 1e-12, "relative difference \(difference)")
    }
}
