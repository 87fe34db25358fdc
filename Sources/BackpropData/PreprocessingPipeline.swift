import BackpropCore

/// A sequence of fitted preprocessing steps, applied in order; `Codable` so a model can
/// carry the exact transformation its inputs need.
///
/// ```swift
/// let pipeline = try PreprocessingPipeline.fit([.standardize, .pca(components: .count(50))], to: train.features)
/// let trainInputs = try pipeline.transform(train.features)
/// let testInputs = try pipeline.transform(test.features)   // the training statistics, unchanged
/// ```
public struct PreprocessingPipeline: Codable, Equatable, Sendable, CustomStringConvertible {
    /// The fitted steps, first applied first.
    public var steps: [FittedPreprocessor]

    /// A pipeline of already fitted steps.
    public init(steps: [FittedPreprocessor] = []) {
        self.steps = steps
    }

    /// Fits each method in turn: method `i` is fitted to the training features after
    /// methods `0..<i` have been applied.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public static func fit<Scalar: NetworkScalar>(_ methods: [PreprocessingMethod], to features: Matrix<Scalar>) throws -> PreprocessingPipeline {
        var steps: [FittedPreprocessor] = []
        var current = features
        for method in methods {
            let step = try FittedPreprocessor.fit(method, to: current)
            steps.append(step)
            if method != methods.last { current = try step.transform(current) }
        }
        return PreprocessingPipeline(steps: steps)
    }

    /// Features in (`nil` for an empty pipeline, which accepts any width).
    public var inputCount: Int? { steps.first?.inputCount }
    /// Features out (`nil` for an empty pipeline).
    public var outputCount: Int? { steps.last?.outputCount }
    /// `true` when there is nothing to apply.
    public var isEmpty: Bool { steps.isEmpty }

    /// The transformed features as a new matrix (the input is left unchanged).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func transform<Scalar: NetworkScalar>(_ features: Matrix<Scalar>) throws -> Matrix<Scalar> {
        var current = features
        for step in steps { current = try step.transform(current) }
        return current === features ? features.copy() : current
    }

    /// The transformed features, written over `features` by every step that maps each value
    /// on its own (a projection still writes a new matrix); returns `features` itself when
    /// no step projects. For features nothing else reads any more: a loaded training set
    /// then needs no second copy.
    @discardableResult
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func transform<Scalar: NetworkScalar>(overwriting features: Matrix<Scalar>) throws -> Matrix<Scalar> {
        var current = features
        for step in steps { current = try step.transform(current, into: step.mapsEachValue ? current : nil) }
        return current
    }

    public var description: String {
        steps.isEmpty ? "none" : steps.map(\.description).joined(separator: " → ")
    }
}

extension Dataset {
    /// The same examples with `pipeline` applied to the features (targets unchanged).
    public func applying(_ pipeline: PreprocessingPipeline) throws -> Dataset {
        var result = self
        result.features = try pipeline.transform(features)
        return result
    }

    /// Applies `pipeline` to the features, overwriting them when this set alone holds them
    /// (another holder keeps its copy unchanged).
    public mutating func apply(_ pipeline: PreprocessingPipeline) throws {
        features = isKnownUniquelyReferenced(&features)
            ? try pipeline.transform(overwriting: features) : try pipeline.transform(features)
    }
}
