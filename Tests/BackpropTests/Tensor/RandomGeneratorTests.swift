import Foundation
import Testing
import Backprop
@testable import BackpropCore

@Suite("Random generator")
struct RandomGeneratorTests {
    /// The first outputs of xoshiro256** seeded with 42 through SplitMix64, from an
    /// independent implementation of the published algorithms (Blackman & Vigna).
    @Test func matchesTheReferenceAlgorithm() {
        var random = RandomGenerator(seed: 42)
        #expect(random.next() == 0x1578_0B2E_0C2E_C716)
        #expect(random.next() == 0x6104_D986_6D11_3A7E)
        #expect(random.next() == 0xAE17_5332_39E4_99A1)
        #expect(random.next() == 0xECB8_AD47_03B3_60A1)
    }

    @Test func uniformUsesTheTop53Bits() {
        var random = RandomGenerator(seed: 42)
        #expect(random.uniform() == Double(UInt64(0x1578_0B2E_0C2E_C716) >> 11) * 0x1.0p-53)
        #expect(isClose(random.uniform(), 0.3789802506626686))
    }

    @Test func sameSeedGivesTheSameStreams() {
        var first = RandomGenerator(seed: 2024), second = RandomGenerator(seed: 2024)
        for _ in 0..<200 {
            #expect(first.next() == second.next())
            #expect(first.uniform() == second.uniform())
            #expect(first.normal(mean: 1, standardDeviation: 3) == second.normal(mean: 1, standardDeviation: 3))
            #expect(first.integer(below: 17) == second.integer(below: 17))
            #expect(first.bernoulli(0.3) == second.bernoulli(0.3))
        }
        #expect(first == second)
    }

    @Test func differentSeedsGiveDifferentStreams() {
        var first = RandomGenerator(seed: 1), second = RandomGenerator(seed: 2)
        let a = (0..<16).map { _ in first.next() }, b = (0..<16).map { _ in second.next() }
        #expect(a != b)
    }

    @Test func savedStateResumesTheStream() throws {
        var random = RandomGenerator(seed: 9)
        _ = (0..<10).map { _ in random.next() }
        var restored = RandomGenerator(state: random.state)
        let data = try JSONEncoder().encode(random)
        var decoded = try JSONDecoder().decode(RandomGenerator.self, from: data)
        for _ in 0..<50 {
            let expected = random.next()
            #expect(restored.next() == expected)
            #expect(decoded.next() == expected)
        }
    }

    @Test func decodingRejectsAnAllZeroState() {
        let data = Data("[0, 0, 0, 0]".utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(RandomGenerator.self, from: data) }
    }

    @Test func splitIsDeterministicAndIndependent() {
        var parent = RandomGenerator(seed: 5), twin = RandomGenerator(seed: 5)
        var child = parent.split(), twinChild = twin.split()
        let childDraws = (0..<8).map { _ in child.next() }
        #expect(childDraws == (0..<8).map { _ in twinChild.next() })
        #expect(childDraws != (0..<8).map { _ in parent.next() })
    }

    // MARK: - Distributions (loose moment checks on 200 000 draws)

    @Test func uniformHasTheMomentsOfU01() {
        var random = RandomGenerator(seed: 77)
        let draws = (0..<200_000).map { _ in random.uniform() }
        #expect(draws.allSatisfy { $0 >= 0 && $0 < 1 })
        let mean = draws.reduce(0, +) / Double(draws.count)
        let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(draws.count)
        #expect(abs(mean - 0.5) < 0.005)
        #expect(abs(variance - 1.0 / 12) < 0.002)
        let ranged = (0..<1000).map { _ in random.uniform(-3, 2) }
        #expect(ranged.allSatisfy { $0 >= -3 && $0 < 2 })
    }

    @Test func normalHasTheMomentsOfN01() {
        var random = RandomGenerator(seed: 78)
        let draws = (0..<200_000).map { _ in random.normal() }
        let n = Double(draws.count)
        let mean = draws.reduce(0, +) / n
        let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        let skewness = draws.reduce(0) { $0 + pow($1 - mean, 3) } / n
        let kurtosis = draws.reduce(0) { $0 + pow($1 - mean, 4) } / n
        #expect(abs(mean) < 0.01)
        #expect(abs(variance - 1) < 0.02)
        #expect(abs(skewness) < 0.05)
        #expect(abs(kurtosis - 3) < 0.1)
        #expect(draws.allSatisfy { $0.isFinite })
        let shifted = (0..<50_000).map { _ in random.normal(mean: 10, standardDeviation: 0.5) }
        #expect(abs(shifted.reduce(0, +) / 50_000 - 10) < 0.02)
    }

    @Test func bernoulliAndIntegerFrequencies() {
        var random = RandomGenerator(seed: 79)
        let heads = (0..<100_000).filter { _ in random.bernoulli(0.3) }.count
        #expect(abs(Double(heads) / 100_000 - 0.3) < 0.01)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[random.integer(below: 7)] += 1 }
        #expect(counts.allSatisfy { abs(Double($0) / 70_000 - 1.0 / 7) < 0.01 })
        #expect((0..<100).allSatisfy { _ in random.integer(below: 1) == 0 })
    }

    /// The integer threshold answers `n·2⁻⁵³ < p` exactly: at the threshold and on either
    /// side of it, for probabilities that are and are not multiples of 2⁻⁵³.
    @Test func bernoulliThresholdComparesIntegersAsTheUniformComparesWithP() {
        var random = RandomGenerator(seed: 5)
        let probabilities = [0, 1, 0.5, 0.1, 0.2, 0.8, 0.9, 1.0 / 3, 0x1.0p-53, 1 - 0x1.0p-53] + (0..<20).map { _ in random.uniform() }
        for p in probabilities {
            let t = RandomGenerator.bernoulliThreshold(p)
            let near = [t, t &- 1, t &+ 1, t &- 2, t &+ 2].filter { $0 < 1 << 53 }
            for n in near + (0..<200).map({ _ in random.next53() }) {
                #expect((n < t) == (Double(n) * 0x1.0p-53 < p), "p = \(p), n = \(n), t = \(t)")
            }
        }
        #expect(RandomGenerator.bernoulliThreshold(2) == 1 << 53 && RandomGenerator.bernoulliThreshold(-1) == 0)
    }

    @Test func keyedDrawsDependOnTheIndexOnly() {
        let forward = (0..<64).map { RandomGenerator.keyedDraw53(key: 17, index: $0) }
        let backward = (0..<64).reversed().map { RandomGenerator.keyedDraw53(key: 17, index: $0) }
        #expect(forward == backward.reversed() && Set(forward).count == 64 && forward.allSatisfy { $0 < 1 << 53 })
        #expect(RandomGenerator.keyedDraw53(key: 18, index: 0) != forward[0])
    }

    // MARK: - Shuffles

    @Test func permutationIsAPermutationAndDeterministic() {
        var first = RandomGenerator(seed: 11), second = RandomGenerator(seed: 11), other = RandomGenerator(seed: 12)
        let permutation = first.permutation(100)
        #expect(permutation.sorted() == Array(0..<100))
        #expect(permutation != Array(0..<100))
        #expect(second.permutation(100) == permutation)
        #expect(other.permutation(100) != permutation)
        #expect(first.permutation(0).isEmpty)
        #expect(first.permutation(1) == [0])
    }

    @Test func shuffleIsUniformOverThreeElements() {
        var random = RandomGenerator(seed: 13)
        var counts: [[Int]: Int] = [:]
        for _ in 0..<60_000 {
            var values = [0, 1, 2]
            random.shuffle(&values)
            counts[values, default: 0] += 1
        }
        #expect(counts.count == 6)
        #expect(counts.values.allSatisfy { abs(Double($0) / 60_000 - 1.0 / 6) < 0.01 })
    }

    @Test func shuffleWorksOnSlicesWithAnOffset() {
        var random = RandomGenerator(seed: 14), twin = RandomGenerator(seed: 14)
        var values = Array(0..<20)
        random.shuffle(&values[5..<15])
        #expect(Array(values[0..<5]) == Array(0..<5))
        #expect(Array(values[15...]) == Array(15..<20))
        #expect(values[5..<15].sorted() == Array(5..<15))
        var whole = Array(5..<15)
        twin.shuffle(&whole)
        #expect(Array(values[5..<15]) == whole)
    }

    @Test func sameSeedGivesIdenticalWeights() throws {
        func build(seed: UInt64) throws -> [Double] {
            let network = try Sequential<Double>.mlp([6, 5, 3], hiddenActivation: .function(.tanh))
            var random = RandomGenerator(seed: seed)
            for parameter in network.parameters {
                for index in 0..<parameter.value.count { parameter.value.base[index] = random.normal() }
            }
            return network.parameters.flatMap(\.value.elements)
        }
        #expect(try build(seed: 3) == build(seed: 3))
        #expect(try build(seed: 3) != build(seed: 4))
    }
}
