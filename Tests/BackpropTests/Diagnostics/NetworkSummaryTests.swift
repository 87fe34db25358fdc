import Testing
import Backprop
@testable import BackpropCore

@Suite("Network summary")
struct NetworkSummaryTests {
    @Test func threeFourFourOneHasFortyOneParameters() throws {
        let network = try Sequential<Float>.mlp([3, 4, 4, 1], hiddenActivation: .function(.relu))
        // (3·4 + 4) + (4·4 + 4) + (4·1 + 1)
        #expect(network.parameterCount == 41)
        let summary = NetworkSummary(network)
        #expect(summary.totalParameterCount == 41)
        #expect(summary.inputCount == 3)
        #expect(summary.rows.map(\.parameterCount) == [16, 20, 5])
        #expect(summary.rows.map(\.outputCount) == [4, 4, 1])
        #expect(summary.rows.map(\.index) == [0, 1, 2])
        #expect(summary.rows.map(\.layer) == ["Dense(3 → 4, relu)", "Dense(4 → 4, relu)", "Dense(4 → 1, identity)"])
    }

    @Test func countsPReLUAndMaxoutParameters() throws {
        let prelu = NetworkSummary(try Sequential<Float>.mlp([3, 4, 2], hiddenActivation: .prelu()))
        #expect(prelu.rows.map(\.parameterCount) == [16, 4, 10])
        #expect(prelu.totalParameterCount == 30)
        let maxout = NetworkSummary(try Sequential<Float>.mlp([3, 4, 2], hiddenActivation: .maxout(pieces: 3)))
        #expect(maxout.rows.map(\.parameterCount) == [3 * 12 + 12, 10])
    }

    @Test func textTableIsAligned() throws {
        let summary = NetworkSummary(try Sequential<Double>.mlp([784, 30, 10], hiddenActivation: .function(.sigmoid)))
        let lines = summary.description.split(separator: "\n").map(String.init)
        #expect(lines.count == 2 + 2 + 2)
        #expect(lines.last == "Total parameters: 23860")
        let header = lines[0], rows = Array(lines[2..<4])
        // Numbers are right-aligned: every table line ends at the same column.
        #expect(rows.allSatisfy { $0.count == header.count })
        #expect(rows[0].hasPrefix("0  Dense(784 → 30, sigmoid)"))
        #expect(rows[0].hasSuffix(" 23550"))
        #expect(rows[1].hasSuffix("   310"))
        #expect(rows[1].contains("m×10"))
    }
}
