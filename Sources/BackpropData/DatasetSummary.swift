import BackpropCore

/// Counts, class histogram and per-feature statistics of a set, as reported by
/// `backprop data describe` (and its `--json`).
public struct DatasetSummary: Codable, Equatable, Sendable {
    /// Examples.
    public var count: Int
    /// Features per example.
    public var featureCount: Int
    /// Target columns per example.
    public var outputCount: Int
    /// Class names (classification only).
    public var classNames: [String]?
    /// Examples per class (classification only).
    public var classHistogram: [Int]?
    /// Statistics of every feature.
    public var features: [FeatureStatistics]

    /// The summary of `dataset`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public init<Scalar: NetworkScalar>(_ dataset: Dataset<Scalar>) {
        count = dataset.count
        featureCount = dataset.featureCount
        outputCount = dataset.outputCount
        classNames = dataset.classNames
        classHistogram = dataset.classHistogram()
        features = dataset.featureStatistics()
    }

    /// Features whose values are all equal.
    public var constantFeatureCount: Int { features.filter(\.isConstant).count }
}
