/// The per-layer measurements of the training monitor (see the Monitoring article), as pure functions of a
/// batch of activations or a pair of weight tensors.
public enum MonitoringStatistics {
    /// What kind of nonlinearity produced a layer's output, which decides the extra measure.
    public enum Kind: Sendable, Hashable {
        /// ReLU: dead units are measured.
        case rectifier
        /// Sigmoid, output in (0, 1): saturation near 0 and 1 is measured.
        case logistic
        /// Tanh, output in (−1, 1): saturation near ±1 is measured.
        case hyperbolicTangent
        /// Anything else (leaky ReLU, ELU, PReLU, maxout): mean, std and histogram only.
        case other

        /// The kind of `activation`.
        public init(_ activation: Activation) {
            switch activation {
            case .relu: self = .rectifier
            case .sigmoid: self = .logistic
            case .tanh: self = .hyperbolicTangent
            default: self = .other
            }
        }
    }

    /// The statistics of `activations` (`m × units`, one row per probe example).
    ///
    /// - Mean and population standard deviation over all `m·units` values.
    /// - ``Kind/rectifier``: `deadFraction` = units whose value is `≤ 0` in every row / units.
    /// - ``Kind/logistic``: `saturatedFraction` = values with `a < margin` or `a > 1 − margin`
    ///   / all values; ``Kind/hyperbolicTangent``: values with `|a| > 1 − margin` / all values.
    /// - A histogram of `binCount` bins over `[0, 1]` (sigmoid), `[−1, 1]` (tanh) or the
    ///   observed range (others).
    public static func layerRecord<Scalar: NetworkScalar>(
        of activations: Matrix<Scalar>, name: String, activation: String, kind: Kind,
        binCount: Int = 30, saturationMargin: Double = 0.01
    ) -> LayerActivationRecord {
        let rows = activations.rows, units = activations.columns
        var sum = 0.0, squares = 0.0, saturated = 0
        var low = Double.infinity, high = -Double.infinity
        var alive = [Bool](repeating: false, count: units)
        for row in 0..<rows {
            let pointer = activations.rowPointer(row)
            for unit in 0..<units {
                let value = Double(pointer[unit])
                sum += value
                squares += value * value
                low = min(low, value)
                high = max(high, value)
                if value > 0 { alive[unit] = true }
                switch kind {
                case .logistic where value < saturationMargin || value > 1 - saturationMargin: saturated += 1
                case .hyperbolicTangent where abs(value) > 1 - saturationMargin: saturated += 1
                default: break
                }
            }
        }
        let count = Double(max(rows * units, 1))
        let mean = sum / count
        // Σa² / n − mean² in Double is exact enough for activations of order 1.
        let deviation = max(squares / count - mean * mean, 0).squareRoot()
        let range: (Double, Double)
        switch kind {
        case .logistic: range = (0, 1)
        case .hyperbolicTangent: range = (-1, 1)
        default: range = low.isFinite && high.isFinite ? (low, high) : (0, 1)
        }
        let histogram = Self.histogram(of: activations, lower: range.0, upper: range.1, binCount: binCount)
        return LayerActivationRecord(
            name: name, activation: activation, unitCount: units, mean: mean, standardDeviation: deviation,
            deadFraction: kind == .rectifier ? Double(alive.count(where: { !$0 })) / Double(max(units, 1)) : nil,
            saturatedFraction: kind == .logistic || kind == .hyperbolicTangent ? Double(saturated) / count : nil,
            histogram: histogram)
    }

    /// Counts of the values of `matrix` in `binCount` equal bins over `lower...upper`
    /// (widened by ±0.5 when empty); values outside are clamped into the end bins.
    public static func histogram<Scalar: NetworkScalar>(of matrix: Matrix<Scalar>, lower: Double, upper: Double, binCount: Int) -> ValueHistogram {
        let bins = max(binCount, 1)
        let (lower, upper) = lower < upper ? (lower, upper) : (lower - 0.5, upper + 0.5)
        let width = (upper - lower) / Double(bins)
        var counts = [Int](repeating: 0, count: bins)
        matrix.forEachElementAsDouble { value in
            guard value.isFinite else { return }
            let bin = Int(((value - lower) / width).rounded(.down))
            counts[min(max(bin, 0), bins - 1)] += 1
        }
        return ValueHistogram(lower: lower, upper: upper, counts: counts)
    }

    /// `‖a‖₂` over all elements (Frobenius norm for a matrix).
    public static func norm<Scalar: NetworkScalar>(_ matrix: Matrix<Scalar>) -> Double {
        var squares = 0.0
        matrix.forEachElementAsDouble { squares += $0 * $0 }
        return squares.squareRoot()
    }

    /// `‖a − b‖₂` over all elements of two matrices of the same shape.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func distance<Scalar: NetworkScalar>(_ a: Matrix<Scalar>, _ b: Matrix<Scalar>) -> Double {
        precondition(a.count == b.count, "distance needs matrices of the same size, got \(a.count) and \(b.count) elements")
        let left = a.base, right = b.base
        var squares = 0.0
        for index in 0..<a.count {
            let difference = Double(left[index]) - Double(right[index])
            squares += difference * difference
        }
        return squares.squareRoot()
    }

    /// `‖a − b‖ / ‖a‖`, or 0 when both are zero and `+∞` when only `a` is.
    public static func ratio(change: Double, of norm: Double) -> Double {
        if norm > 0 { return change / norm }
        return change == 0 ? 0 : .infinity
    }
}
