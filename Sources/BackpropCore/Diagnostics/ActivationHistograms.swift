import Foundation

// MARK: - Per-layer histograms

extension ActivationStatistics {
    /// One layer of the experiment: its statistics and a histogram of its activations.
    public struct LayerReport: Sendable, Hashable, Codable {
        /// Mean, standard deviation and the zero / saturated fractions.
        public var statistics: LayerStatistics
        /// Bin boundaries, `counts.count + 1` of them, equal widths.
        public var edges: [Double]
        /// Activations per bin (every element of the layer's output falls in one bin).
        public var counts: [Int]
    }

    /// The experiment of ``measure(activation:initializer:depth:width:inputWidth:exampleCount:seed:scalar:)``
    /// (same draws, same statistics) with a histogram of every layer's activations.
    ///
    /// The bins cover `range` (default: `[−1, 1]` for tanh, `[0, 1]` for sigmoid, and
    /// `[min, max]` of the layer's activations otherwise) in `binCount` equal bins; values
    /// outside `range` are counted in the first or last bin.
    public static func measureWithHistograms<Scalar: NetworkScalar>(
        activation: Activation, initializer: Initializer, depth: Int = 10, width: Int = 500,
        inputWidth: Int = 500, exampleCount: Int = 1000, seed: UInt64 = 0, binCount: Int = 20,
        range: ClosedRange<Double>? = nil, scalar: Scalar.Type = Scalar.self
    ) throws -> [LayerReport] {
        guard binCount >= 1 else { throw NetworkError.invalidSize(what: "a histogram", value: binCount, requirement: "needs at least one bin") }
        var reports: [LayerReport] = []
        try forEachLayer(activation: activation, initializer: initializer, depth: depth, width: width, inputWidth: inputWidth,
                         exampleCount: exampleCount, seed: seed, scalar: scalar) { index, activations in
            let bounds = range ?? defaultRange(activation) ?? extent(of: activations)
            reports.append(LayerReport(statistics: statistics(of: activations, layer: index + 1, activation: activation),
                                       edges: (0...binCount).map { bounds.lowerBound + Double($0) * (bounds.upperBound - bounds.lowerBound) / Double(binCount) },
                                       counts: histogram(activations, range: bounds, binCount: binCount)))
        }
        return reports
    }

    /// The natural output range of bounded activations.
    static func defaultRange(_ activation: Activation) -> ClosedRange<Double>? {
        switch activation {
        case .tanh: -1...1
        case .sigmoid, .softmax: 0...1
        default: nil
        }
    }

    /// `[min, max]` of the elements (widened to a unit interval when they are all equal).
    static func extent<Scalar: NetworkScalar>(of matrix: Matrix<Scalar>) -> ClosedRange<Double> {
        var low = Double.infinity, high = -Double.infinity
        matrix.forEachElementAsDouble { value in
            low = min(low, value)
            high = max(high, value)
        }
        guard low.isFinite, high.isFinite else { return 0...1 }
        return low < high ? low...high : (low - 0.5)...(high + 0.5)
    }

    /// Counts per bin of `binCount` equal bins over `range`, clamping outliers to the end bins.
    static func histogram<Scalar: NetworkScalar>(_ matrix: Matrix<Scalar>, range: ClosedRange<Double>, binCount: Int) -> [Int] {
        var counts = Array(repeating: 0, count: binCount)
        let width = (range.upperBound - range.lowerBound) / Double(binCount)
        matrix.forEachElementAsDouble { value in
            guard value.isFinite else { return }
            let bin = Int(((value - range.lowerBound) / width).rounded(.down))
            counts[min(max(bin, 0), binCount - 1)] += 1
        }
        return counts
    }
}
