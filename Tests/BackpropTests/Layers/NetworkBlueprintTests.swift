import Testing
import Backprop
@testable import BackpropCore

@Suite("Network blueprint")
struct NetworkBlueprintTests {
    @Test func mlpIsThePlainBlueprint() throws {
        for activation in HiddenActivation.names.compactMap(HiddenActivation.init(name:)) {
            let mlp = try Sequential<Float>.mlp([3, 5, 4, 2], hiddenActivation: activation)
            #expect(mlp.layers.map(\.description) == ["Dense(3 → 5, \(activation))", "Dense(5 → 4, \(activation))", "Dense(4 → 2, identity)"]
                    || activation == .prelu() || activation == .maxout())
            let built: Sequential<Float> = try NetworkBlueprint(sizes: [3, 5, 4, 2], hiddenActivation: activation).build()
            #expect(mlp.layers.map(\.description) == built.layers.map(\.description))
            #expect(mlp.namedParameters.map(\.name) == built.namedParameters.map(\.name))
        }
        #expect(try Sequential<Float>.mlp([3, 5, 2], hiddenActivation: .prelu()).layers.map(\.description)
                == ["Dense(3 → 5, identity)", "PReLU(5)", "Dense(5 → 2, identity)"])
        #expect(throws: NetworkError.self) { try Sequential<Float>.mlp([3]) }
        #expect(throws: NetworkError.self) { try Sequential<Float>.mlp([3, 0, 2]) }
    }

    @Test func placesBatchNormBeforeOrAfterTheActivationAndDropoutAfter() throws {
        var blueprint = NetworkBlueprint(sizes: [2, 8, 4, 3], hiddenActivation: .function(.relu), dropProbabilities: [0.2, 0.1])
        blueprint.batchNormalization = .beforeActivation
        let before: Sequential<Float> = try blueprint.build()
        #expect(before.layers.map(\.description) == [
            "Dense(2 → 8, identity, no bias)", "BatchNorm(8)", "relu(8)", "Dropout(8, drop 0.2)",
            "Dense(8 → 4, identity, no bias)", "BatchNorm(4)", "relu(4)", "Dropout(4, drop 0.1)",
            "Dense(4 → 3, identity)",
        ])
        blueprint.batchNormalization = .afterActivation
        blueprint.dropProbabilities = [0.5]
        blueprint.inputNoise = 0.1
        let after: Sequential<Float> = try blueprint.build()
        #expect(after.layers.map(\.description) == [
            "GaussianNoise(2, σ 0.1)",
            "Dense(2 → 8, relu)", "BatchNorm(8)", "Dropout(8, drop 0.5)",
            "Dense(8 → 4, relu)", "BatchNorm(4)", "Dropout(4, drop 0.5)",
            "Dense(4 → 3, identity)",
        ])
    }

    @Test func plainBlueprintMatchesTheMLPBuilder() throws {
        let blueprint: Sequential<Float> = try NetworkBlueprint(sizes: [3, 4, 4, 1], hiddenActivation: .function(.tanh)).build()
        let mlp = try Sequential<Float>.mlp([3, 4, 4, 1], hiddenActivation: .function(.tanh))
        #expect(blueprint.description == mlp.description)
        #expect(blueprint.parameterCount == 41)
    }

    @Test func rejectsBadSettingsWithTheirValues() throws {
        #expect { try NetworkBlueprint(sizes: [2, 4, 4, 2], dropProbabilities: [0.1, 0.2, 0.3]).validate() } throws: {
            "\($0)".contains("3 drop probabilities") && "\($0)".contains("2 hidden layers")
        }
        #expect { try NetworkBlueprint(sizes: [2, 4, 2], dropProbabilities: [1]).validate() } throws: {
            "\($0)".contains("1.0") && "\($0)".contains("hidden layer 1")
        }
        #expect { try NetworkBlueprint(sizes: [2]).validate() } throws: { "\($0)".contains("[2]") }
        #expect { try NetworkBlueprint(sizes: [2, 4, 2], batchNormMomentum: 1).validate() } throws: { "\($0)".contains("momentum") }
    }

    @Test func noiseLayersGetDistinctSeededStreams() throws {
        let blueprint = NetworkBlueprint(sizes: [2, 6, 6, 2], dropProbabilities: [0.5])
        let a: Sequential<Float> = try blueprint.build(seed: 4)
        let b: Sequential<Float> = try blueprint.build(seed: 4)
        let streams = a.layers.compactMap { ($0 as? Dropout<Float>)?.randomState }
        #expect(streams.count == 2 && streams[0] != streams[1])
        #expect(streams == b.layers.compactMap { ($0 as? Dropout<Float>)?.randomState })
    }
}
