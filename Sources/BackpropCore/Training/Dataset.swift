/// Examples for training or evaluation: a feature matrix (`m × features`) and a target
/// matrix (`m × outputs`) with one row per example.
///
/// For classification the targets are one-hot rows and ``labels`` holds the class index
/// of every row; for regression the targets are real values and ``labels`` is `nil`.
public struct Dataset<Scalar: NetworkScalar>: @unchecked Sendable {
    /// `m × featureCount`.
    public var features: Matrix<Scalar>
    /// `m × outputCount`: one-hot rows for classification, values for regression.
    public var targets: Matrix<Scalar>
    /// The class index of every row (classification only).
    public var labels: [Int]?
    /// Names of the classes, index by index (classification only).
    public var classNames: [String]?

    /// A classification set: `labels[i]` is the class of row `i` of `features`.
    ///
    /// - Throws: ``NetworkError`` when the counts differ or a label is outside
    ///   `0..<classCount`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(features: Matrix<Scalar>, labels: [Int], classCount: Int, classNames: [String]? = nil) throws {
        guard labels.count == features.rows else {
            throw NetworkError.shapeMismatch(layer: "dataset", expected: "\(features.rows) labels", actual: "\(labels.count)")
        }
        self.features = features
        self.targets = try .oneHot(labels: labels, classCount: classCount)
        self.labels = labels
        self.classNames = classNames ?? (0..<classCount).map(String.init)
    }

    /// A regression set: row `i` of `targets` holds the values for row `i` of `features`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(features: Matrix<Scalar>, targets: Matrix<Scalar>) throws {
        guard targets.rows == features.rows else {
            throw NetworkError.shapeMismatch(layer: "dataset", expected: "\(features.rows) target rows", actual: "\(targets.rows)")
        }
        self.features = features
        self.targets = targets
        self.labels = nil
        self.classNames = nil
    }

    /// The number of examples.
    public var count: Int { features.rows }
    /// Features per example.
    public var featureCount: Int { features.columns }
    /// Target columns per example (the number of classes for classification).
    public var outputCount: Int { targets.columns }
    /// `true` when the set has class labels.
    public var isClassification: Bool { labels != nil }

    /// This two-class set with one target column holding the label (0 or 1), for a
    /// network with a single sigmoid output (`--layers 2,5,1 --loss binary-ce`); the labels
    /// and class names are kept, so accuracy still counts `output > 0.5` against them.
    ///
    /// - Throws: ``NetworkError/incompatible(_:_:relation:)`` when the set is not a
    ///   two-class classification set.
    public func withSingleBinaryOutput() throws -> Dataset {
        guard let labels, outputCount == 2 else {
            throw NetworkError.incompatible(
                "a single output", labels == nil ? "regression targets" : "\(outputCount) classes", relation: "needs two classes, not")
        }
        var result = self
        result.targets = Matrix(rows: count, columns: 1)
        for (row, label) in labels.enumerated() { result.targets.base[row] = Scalar(label) }
        return result
    }

    /// This set as a network with `outputs` outputs reads it: a two-class set with one
    /// target column for a single-output network (``withSingleBinaryOutput()``), otherwise
    /// unchanged.
    public func matching(outputs: Int) throws -> Dataset {
        outputs == 1 && isClassification && outputCount == 2 ? try withSingleBinaryOutput() : self
    }

    /// The examples at `indices`, in that order, copied into a new set.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func subset(_ indices: [Int]) -> Dataset {
        var result = self
        result.features = Matrix(rows: indices.count, columns: featureCount)
        result.targets = Matrix(rows: indices.count, columns: outputCount)
        for (row, index) in indices.enumerated() {
            result.features.rowPointer(row).update(from: features.rowPointer(index), count: featureCount)
            result.targets.rowPointer(row).update(from: targets.rowPointer(index), count: outputCount)
        }
        result.labels = labels.map { all in indices.map { all[$0] } }
        return result
    }
}
