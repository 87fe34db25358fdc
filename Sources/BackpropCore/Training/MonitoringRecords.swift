/// Counts of values in equal-width bins over `lower...upper` (the last bin includes
/// `upper`).
public struct ValueHistogram: Sendable, Hashable, Codable {
    /// The left edge of the first bin.
    public var lower: Double
    /// The right edge of the last bin.
    public var upper: Double
    /// Values per bin, left to right.
    public var counts: [Int]

    /// A histogram with the given edges and counts.
    public init(lower: Double, upper: Double, counts: [Int]) {
        self.lower = lower
        self.upper = upper
        self.counts = counts
    }

    /// The bin edges, `counts.count + 1` of them.
    public var edges: [Double] {
        let width = (upper - lower) / Double(max(counts.count, 1))
        return (0...counts.count).map { lower + Double($0) * width }
    }
}

/// What the monitor measured for one activation layer at the end of an epoch, on the
/// probe batch in inference mode (see the Monitoring article).
public struct LayerActivationRecord: Sendable, Hashable, Codable {
    /// The layer's network name, e.g. `layers.0`.
    public var name: String
    /// The activation's name (`relu`, `sigmoid`, `tanh`, `prelu`, `maxout`, …).
    public var activation: String
    /// Units in the layer.
    public var unitCount: Int
    /// Mean of all activations (probe rows × units).
    public var mean: Double
    /// Population standard deviation of all activations.
    public var standardDeviation: Double
    /// ReLU only: the fraction of units whose output is 0 for every probe example.
    public var deadFraction: Double?
    /// Sigmoid and tanh only: the fraction of activations within the saturation margin of an
    /// asymptote (sigmoid: `a < m` or `a > 1 − m`; tanh: `|a| > 1 − m`; `m` = 0.01 by default).
    public var saturatedFraction: Double?
    /// The distribution of the activations: over `[0, 1]` for sigmoid, `[−1, 1]` for tanh,
    /// the observed range otherwise.
    public var histogram: ValueHistogram

    /// A record of the given measurements.
    public init(name: String, activation: String, unitCount: Int, mean: Double, standardDeviation: Double,
                deadFraction: Double?, saturatedFraction: Double?, histogram: ValueHistogram) {
        self.name = name
        self.activation = activation
        self.unitCount = unitCount
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.deadFraction = deadFraction
        self.saturatedFraction = saturatedFraction
        self.histogram = histogram
    }
}

/// What the monitor measured for one weight tensor at the end of an epoch.
public struct ParameterRecord: Sendable, Hashable, Codable {
    /// The parameter's network name, e.g. `layers.0.weight`.
    public var name: String
    /// `‖W‖` (Frobenius norm) at the end of the epoch.
    public var norm: Double
    /// `‖∂J/∂W‖` of the epoch's last update (batch gradient, penalty included).
    public var gradientNorm: Double
    /// `‖W_end − W_start‖ / ‖W_end‖` over the whole epoch.
    public var epochUpdateRatio: Double
    /// `‖ΔW‖ / ‖W‖` of the epoch's last update alone (rule of thumb: about 1e-3).
    public var lastUpdateRatio: Double

    /// A record of the given measurements.
    public init(name: String, norm: Double, gradientNorm: Double, epochUpdateRatio: Double, lastUpdateRatio: Double) {
        self.name = name
        self.norm = norm
        self.gradientNorm = gradientNorm
        self.epochUpdateRatio = epochUpdateRatio
        self.lastUpdateRatio = lastUpdateRatio
    }
}

/// One epoch of monitoring: every activation layer and every weight tensor.
public struct MonitorRecord: Sendable, Hashable, Codable {
    /// The epoch, counting from 1 (0 for the measurement before training).
    public var epoch: Int
    /// Activation layers, input to output.
    public var layers: [LayerActivationRecord]
    /// Weight tensors (regularised parameters), input to output.
    public var parameters: [ParameterRecord]

    /// A record of the given measurements.
    public init(epoch: Int, layers: [LayerActivationRecord], parameters: [ParameterRecord]) {
        self.epoch = epoch
        self.layers = layers
        self.parameters = parameters
    }
}
