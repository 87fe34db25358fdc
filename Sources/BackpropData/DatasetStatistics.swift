import RealModule
import BackpropCore

/// Summary statistics of one feature column (population variance, `1/m`).
public struct FeatureStatistics: Codable, Equatable, Sendable {
    /// `μ = (1/m) Σ x`.
    public var mean: Double
    /// `s = √((1/m) Σ (x − μ)²)`.
    public var standardDeviation: Double
    /// The smallest value.
    public var minimum: Double
    /// The largest value.
    public var maximum: Double

    /// Statistics from the given values.
    public init(mean: Double, standardDeviation: Double, minimum: Double, maximum: Double) {
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.minimum = minimum
        self.maximum = maximum
    }

    /// `true` when every value is the same.
    public var isConstant: Bool { minimum == maximum }
}

extension Matrix {
    /// Per-column statistics, computed in `Double` with two passes (mean, then squared
    /// deviations) for accuracy. An empty matrix gives zeros.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func columnStatistics() -> [FeatureStatistics] {
        var sums = [Double](repeating: 0, count: columns)
        var minima = [Double](repeating: .infinity, count: columns)
        var maxima = [Double](repeating: -.infinity, count: columns)
        for row in 0..<rows {
            let values = rowPointer(row)
            for j in 0..<columns {
                let value = Double(values[j])
                sums[j] += value
                minima[j] = Swift.min(minima[j], value)
                maxima[j] = Swift.max(maxima[j], value)
            }
        }
        let m = Double(Swift.max(rows, 1))
        let means = sums.map { $0 / m }
        var squares = [Double](repeating: 0, count: columns)
        for row in 0..<rows {
            let values = rowPointer(row)
            for j in 0..<columns {
                let deviation = Double(values[j]) - means[j]
                squares[j] += deviation * deviation
            }
        }
        var result: [FeatureStatistics] = []
        result.reserveCapacity(columns)
        for j in 0..<columns {
            guard rows > 0 else {
                result.append(FeatureStatistics(mean: 0, standardDeviation: 0, minimum: 0, maximum: 0))
                continue
            }
            // A constant column gets exactly its value and 0, not a rounding residue.
            let isConstant = minima[j] == maxima[j]
            let deviation: Double = isConstant ? 0 : (squares[j] / m).squareRoot()
            let mean: Double = isConstant ? minima[j] : means[j]
            result.append(FeatureStatistics(mean: mean, standardDeviation: deviation, minimum: minima[j], maximum: maxima[j]))
        }
        return result
    }
}

extension Dataset {
    /// The number of examples of each class, index by index (classification only).
    public func classHistogram() -> [Int]? {
        guard let labels else { return nil }
        var counts = [Int](repeating: 0, count: outputCount)
        for label in labels { counts[label] += 1 }
        return counts
    }

    /// Per-feature mean, population standard deviation, minimum and maximum.
    public func featureStatistics() -> [FeatureStatistics] {
        features.columnStatistics()
    }
}
