import Foundation
import Testing
import Backprop
@testable import BackpropModelFiles
@testable import BackpropRecipes
@testable import BackpropSelection

@Suite("SearchSpace")
struct SearchSpaceTests {
    static func context(_ parameters: [SearchParameter], seed: UInt64 = 7) -> ProposalContext {
        ProposalContext(space: SearchSpace(parameters: parameters), seed: seed, objective: Objective(), budget: 5)
    }

    /// Kolmogorov–Smirnov statistic of `samples` against the uniform law on [lower, upper].
    static func ksStatistic(_ samples: [Double], lower: Double, upper: Double) -> Double {
        let sorted = samples.sorted()
        let n = Double(sorted.count)
        var d = 0.0
        for (i, x) in sorted.enumerated() {
            let f = (x - lower) / (upper - lower)
            d = max(d, abs(Double(i + 1) / n - f), abs(f - Double(i) / n))
        }
        return d
    }

    /// Random-search proposals for trials 0..<count.
    static func draws(_ context: ProposalContext, count: Int) throws -> [TrialConfiguration] {
        try (0..<count).map { k in
            guard case .propose(let proposal) = try RandomSearch().next(number: k, history: [], context: context) else {
                throw SearchError.invalidSetting("random search did not propose")
            }
            return proposal.configuration
        }
    }

    @Test func logUniformIsUniformInLog10() throws {
        let context = Self.context([SearchParameter(name: "lr", domain: .logUniform(lower: 1e-4, upper: 1))], seed: 4)
        let values = try Self.draws(context, count: 1000).map { $0["lr"]!.numericValue! }
        #expect(values.allSatisfy { $0 >= 1e-4 && $0 <= 1 })
        let exponents = values.map { Foundation.log10($0) }
        // KS critical value for n = 1000 at α = 0.01: 1.628 / √1000 = 0.0515.
        let critical = 1.628 / Foundation.sqrt(1000.0)
        let d = Self.ksStatistic(exponents, lower: -4, upper: 0)
        #expect(d < critical, "KS statistic \(d) ≥ \(critical)")
        // Chi-square on 10 equal bins of r: critical value for 9 degrees of freedom at α = 0.01 is 21.67.
        var counts = Array(repeating: 0, count: 10)
        for r in exponents { counts[min(9, Int((r + 4) / 4 * 10))] += 1 }
        let chiSquare = counts.reduce(0.0) { $0 + Foundation.pow(Double($1) - 100, 2) / 100 }
        #expect(chiSquare < 21.67, "chi-square \(chiSquare)")
        print("log-uniform on [1e-4, 1], 1000 draws: KS D = \(d) (critical \(critical)), chi-square = \(chiSquare) (critical 21.67)")
        // The same test rejects a plain uniform on [1e-4, 1] (most mass near r = 0).
        let plain = Self.context([SearchParameter(name: "lr", domain: .uniform(lower: 1e-4, upper: 1))], seed: 4)
        let plainExponents = try Self.draws(plain, count: 1000).map { Foundation.log10($0["lr"]!.numericValue!) }
        #expect(Self.ksStatistic(plainExponents, lower: -4, upper: 0) > critical)
    }

    @Test func oneMinusLogUniformSamplesOneMinusBetaOnLogScale() throws {
        let context = Self.context([SearchParameter(name: "momentum", domain: .oneMinusLogUniform(lower: 0.9, upper: 0.999))])
        let betas = try Self.draws(context, count: 1000).map { $0["momentum"]!.numericValue! }
        #expect(betas.allSatisfy { $0 >= 0.9 - 1e-12 && $0 <= 0.999 + 1e-12 })
        let exponents = betas.map { Foundation.log10(1 - $0) }
        #expect(Self.ksStatistic(exponents, lower: -3, upper: -1) < 1.628 / Foundation.sqrt(1000.0))
        // Endpoints of the mapping.
        let parameter = context.space.parameters[0]
        #expect(isClose(parameter.value(at: 0).numericValue!, 0.999))
        #expect(isClose(parameter.value(at: 1).numericValue!, 0.9))
        #expect(isClose(parameter.value(at: 0.5).numericValue!, 1 - Foundation.pow(10, -2)))
    }

    @Test func integerRangesCoverEveryValueInBounds() throws {
        let linear = Self.context([SearchParameter(name: "hidden-layers", domain: .integer(lower: 1, upper: 3, log: false))])
        let depths = try Self.draws(linear, count: 300).map { $0["hidden-layers"]! }
        #expect(Set(depths) == [.int(1), .int(2), .int(3)])
        let log = Self.context([SearchParameter(name: "hidden-units", domain: .integer(lower: 16, upper: 256, log: true))])
        let units = try Self.draws(log, count: 2000).compactMap { $0["hidden-units"]?.numericValue }
        #expect(units.count == 2000)
        #expect(units.allSatisfy { $0 == $0.rounded() })
        #expect(units.allSatisfy { $0 >= 16 && $0 <= 256 })
        // Log scale: about half the draws fall below the geometric midpoint √(16·257) ≈ 64.
        let below = Double(units.filter { $0 < 64 }.count) / Double(units.count)
        #expect(abs(below - 0.5) < 0.05, "fraction below 64: \(below)")
    }

    @Test func sameSeedSameProposalsDifferentSeedDifferent() throws {
        let parameters = [SearchParameter(name: "lr", domain: .logUniform(lower: 1e-4, upper: 1)),
                          SearchParameter(name: "batch-size", domain: .choices([.int(16), .int(32), .int(64)]))]
        let first = try Self.draws(Self.context(parameters, seed: 11), count: 20)
        let again = try Self.draws(Self.context(parameters, seed: 11), count: 20)
        let other = try Self.draws(Self.context(parameters, seed: 12), count: 20)
        #expect(first == again)
        #expect(first != other)
    }

    @Test func gridEnumeratesCombinationsAndRefusesContinuousWithoutPoints() throws {
        let space = SearchSpace(parameters: [
            SearchParameter(name: "batch-size", domain: .choices([.int(16), .int(64)])),
            SearchParameter(name: "activation", domain: .choices([.string("relu"), .string("tanh"), .string("sigmoid")])),
        ])
        #expect(try space.gridSize() == 6)
        let all = try (0..<6).map { try space.gridConfiguration(index: $0) }
        #expect(Set(all.map(\.values)).count == 6)
        #expect(all[0].values == [.int(16), .string("relu")])
        #expect(all[5].values == [.int(64), .string("sigmoid")])

        let continuous = SearchSpace(parameters: [SearchParameter(name: "lr", domain: .logUniform(lower: 1e-3, upper: 1))])
        #expect(throws: SearchError.gridNeedsPoints("lr")) { try continuous.gridSize() }
        let pointed = SearchSpace(parameters: [SearchParameter(name: "lr", domain: .logUniform(lower: 1e-3, upper: 1), gridPoints: 4)])
        let values = try (0..<(try pointed.gridSize())).map { try pointed.gridConfiguration(index: $0)["lr"]!.numericValue! }
        #expect(values.count == 4)
        for (value, expected) in zip(values, [1e-3, 1e-2, 1e-1, 1.0]) { #expect(isClose(value, expected, relative: 1e-12)) }
        let integers = SearchSpace(parameters: [SearchParameter(name: "hidden-layers", domain: .integer(lower: 1, upper: 4, log: false))])
        #expect(try (0..<4).map { try integers.gridConfiguration(index: $0)["hidden-layers"]! } == [.int(1), .int(2), .int(3), .int(4)])
    }

    @Test func trialConfigurationKeepsValueTypesThroughJSON() throws {
        let values: [ConfigValue] = [.double(1.0), .int(1), .string("relu"), .bool(true), .list([.double(0.0), .int(2)]),
                                     .table([ConfigEntry(key: "b", value: .double(2)), ConfigEntry(key: "a", value: .int(3))])]
        let trial = TrialConfiguration(names: (0..<values.count).map { "p\($0)" }, values: values,
                                       point: [0, 0.1, 1.0 / 3.0, 0.7, 1, 0.25])
        let decoded = try JSONDecoder().decode(TrialConfiguration.self, from: JSONEncoder().encode(trial))
        #expect(decoded == trial)
        let space = SearchSpace(parameters: [
            SearchParameter(name: "dropout", domain: .choices([.double(0), .double(0.5)])),
            SearchParameter(name: "lr", domain: .logUniform(lower: 1e-4, upper: 1), gridPoints: 3),
            SearchParameter(name: "units", domain: .integer(lower: 4, upper: 64, log: true)),
            SearchParameter(name: "beta", domain: .oneMinusLogUniform(lower: 0.9, upper: 0.999)),
            SearchParameter(name: "x", domain: .uniform(lower: -1, upper: 1)),
        ])
        #expect(try JSONDecoder().decode(SearchSpace.self, from: JSONEncoder().encode(space)) == space)
    }

    @Test func hiddenUnitsAndLayersCombineIntoLayers() throws {
        let base = try RunConfiguration.parse("layers: [2, 16, 2]\nlr: 0.1\n", format: .yaml, file: "run.yaml")
        let trial = TrialConfiguration(names: ["hidden-units", "hidden-layers", "lr"],
                                       values: [.int(64), .int(3), .double(0.5)], point: [0, 0, 0])
        let applied = try trial.applied(to: base)
        #expect(try applied.intList("layers") == [2, 64, 64, 64, 2])
        #expect(try applied.double("lr") == 0.5)
        let unitsOnly = TrialConfiguration(names: ["hidden-units"], values: [.int(8)], point: [0])
        #expect(try unitsOnly.applied(to: base).intList("layers") == [2, 8, 2])
        let depthOnly = TrialConfiguration(names: ["hidden-layers"], values: [.int(2)], point: [0])
        #expect(try depthOnly.applied(to: base).intList("layers") == [2, 16, 16, 2])
        let noLayers = try RunConfiguration.parse("lr: 0.1\n", format: .yaml, file: "run.yaml")
        #expect(throws: ConfigError.self) { try unitsOnly.applied(to: noLayers) }
    }
}
