/// A table of a network's layers: index, description, output shape and parameter count,
/// with the total.
///
/// ```swift
/// let network = try Sequential<Float>.mlp([3, 4, 4, 1], hiddenActivation: .function(.relu))
/// print(NetworkSummary(network))
/// // #  Layer                   Output  Parameters
/// // ─────────────────────────────────────────────
/// // 0  Dense(3 → 4, relu)      m×4             16
/// // 1  Dense(4 → 4, relu)      m×4             20
/// // 2  Dense(4 → 1, identity)  m×1              5
/// // Input features: 3
/// // Total parameters: 41
/// ```
public struct NetworkSummary: Codable, Sendable, Equatable, CustomStringConvertible {
    /// One layer of the table.
    public struct Row: Codable, Sendable, Equatable {
        /// The layer's position, as in the parameter names `layers.N.…`.
        public var index: Int
        /// The layer as it prints, e.g. `Dense(784 → 30, relu)`.
        public var layer: String
        /// Features per output row; the output shape is `m × outputCount` for a batch of `m`.
        public var outputCount: Int
        /// Trainable scalars of the layer.
        public var parameterCount: Int

        /// The output shape as printed: `m×outputCount`.
        public var outputShape: String { "m×\(outputCount)" }
    }

    /// Features per input row.
    public var inputCount: Int
    /// One row per layer, in order.
    public var rows: [Row]
    /// The sum of the rows' parameter counts.
    public var totalParameterCount: Int

    /// The summary of `network`.
    public init<Scalar: NetworkScalar>(_ network: Sequential<Scalar>) {
        inputCount = network.inputCount
        rows = network.layers.enumerated().map { index, layer in
            Row(index: index, layer: layer.description, outputCount: layer.outputCount, parameterCount: layer.parameterCount)
        }
        totalParameterCount = rows.reduce(0) { $0 + $1.parameterCount }
    }

    /// The table as aligned text: a header, one line per layer (numbers right-aligned) and
    /// a final `Total parameters: N` line.
    public var description: String {
        let header = ["#", "Layer", "Output", "Parameters"]
        let cells = rows.map { ["\($0.index)", $0.layer, $0.outputShape, "\($0.parameterCount)"] }
        let widths = (0..<header.count).map { column in
            ([header] + cells).map { $0[column].count }.max() ?? 0
        }
        func line(_ values: [String]) -> String {
            values.enumerated().map { column, value in
                let padding = String(repeating: " ", count: widths[column] - value.count)
                return column == 0 || column == values.count - 1 ? padding + value : value + padding
            }.joined(separator: "  ")
        }
        var lines = [line(header)]
        lines.append(String(repeating: "─", count: widths.reduce(0, +) + 2 * (widths.count - 1)))
        lines += cells.map(line)
        lines.append("Input features: \(inputCount)")
        lines.append("Total parameters: \(totalParameterCount)")
        return lines.joined(separator: "\n")
    }
}
