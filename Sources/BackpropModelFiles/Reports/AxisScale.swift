import Foundation

/// A linear or logarithmic mapping from data values to pixels, with "nice" tick values
/// (1, 2, 5 × 10ᵏ steps on linear axes, powers of ten on log axes).
struct AxisScale {
    let lower: Double
    let upper: Double
    let isLogarithmic: Bool
    let pixelStart: Double
    let pixelEnd: Double

    init(lower: Double, upper: Double, isLogarithmic: Bool, pixelStart: Double, pixelEnd: Double) {
        self.lower = lower
        self.upper = upper
        self.isLogarithmic = isLogarithmic
        self.pixelStart = pixelStart
        self.pixelEnd = pixelEnd
    }

    /// A scale covering `values` (finite ones only), padded slightly, mapped to
    /// `pixelStart...pixelEnd`. Logarithmic scales ignore non-positive values.
    init(covering values: [Double], logarithmic: Bool, pixels: (start: Double, end: Double), includeZero: Bool = false) {
        var finite = values.filter { $0.isFinite && (!logarithmic || $0 > 0) }
        if includeZero && !logarithmic { finite.append(0) }
        var low = finite.min() ?? 0, high = finite.max() ?? 1
        if logarithmic {
            low = pow(10, floor(log10(low > 0 ? low : 1e-3)))
            high = pow(10, ceil(log10(high > 0 ? high : 1)))
            if low == high { high = low * 10 }
        } else {
            if low == high { low -= 0.5; high += 0.5 }
            let step = AxisScale.niceStep(for: (high - low) / 5)
            low = floor(low / step) * step
            high = ceil(high / step) * step
        }
        lower = low
        upper = high
        isLogarithmic = logarithmic
        pixelStart = pixels.start
        pixelEnd = pixels.end
    }

    /// The pixel position of `value` (clamped to the axis).
    func pixel(_ value: Double) -> Double {
        let fraction: Double
        if isLogarithmic {
            fraction = (log10(max(value, lower)) - log10(lower)) / (log10(upper) - log10(lower))
        } else {
            fraction = (value - lower) / (upper - lower)
        }
        return pixelStart + min(max(fraction, 0), 1) * (pixelEnd - pixelStart)
    }

    /// Tick values within the axis.
    var ticks: [Double] {
        if isLogarithmic {
            let first = Int(log10(lower).rounded()), last = Int(log10(upper).rounded())
            let stride = max(1, (last - first) / 6)
            return Swift.stride(from: first, through: last, by: stride).map { pow(10, Double($0)) }
        }
        let step = AxisScale.niceStep(for: (upper - lower) / 5)
        var values: [Double] = []
        // Multiples of the step inside the axis (the axis ends need not be multiples).
        var index = (lower / step - 1e-9).rounded(.up)
        while index * step <= upper + step * 1e-9 {
            let value = index * step
            values.append(abs(value) < step * 1e-9 ? 0 : value)
            index += 1
        }
        return values
    }

    /// The smallest 1, 2 or 5 × 10ᵏ not below `rough`.
    static func niceStep(for rough: Double) -> Double {
        guard rough > 0, rough.isFinite else { return 1 }
        let magnitude = pow(10, floor(log10(rough)))
        let normalized = rough / magnitude
        let nice: Double = normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10
        return nice * magnitude
    }

    /// A short label for a tick value.
    static func label(_ value: Double) -> String {
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e5 || magnitude < 1e-3 { return String(format: "%.0e", value) }
        if magnitude >= 100 { return String(format: "%.0f", value) }
        if value == value.rounded() { return String(format: "%.0f", value) }
        let text = String(format: "%.3f", value)
        return text.replacingOccurrences(of: "\\.?0+$", with: "", options: .regularExpression)
    }
}
