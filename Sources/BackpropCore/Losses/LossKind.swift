/// The costs a recipe, a flag or a model file can name, and the one place that turns a
/// name into a ``Loss``.
///
/// | name | loss | outputs |
/// |---|---|---|
/// | `softmax-ce` | ``SoftmaxCrossEntropy`` | softmax over the classes |
/// | `binary-ce` | ``BinaryCrossEntropy`` | one sigmoid per output |
/// | `mse` | ``QuadraticCost`` | sigmoid for class labels, identity for regression |
///
/// ```swift
/// let loss: any Loss<Float> = try LossKind(parsing: "softmax-ce").makeLoss(regression: false)
/// ```
public enum LossKind: String, CaseIterable, Sendable, Codable {
    case quadratic = "mse"
    case binaryCrossEntropy = "binary-ce"
    case softmaxCrossEntropy = "softmax-ce"

    /// The names in the order help texts list them.
    public static var names: [String] { allCases.map(\.rawValue) }

    /// The default for a task: `mse` for regression, `softmax-ce` for classification.
    public static func defaultKind(regression: Bool) -> LossKind {
        regression ? .quadratic : .softmaxCrossEntropy
    }

    /// The kind called `name`.
    /// - Throws: ``NetworkError/unknownName(kind:name:known:)`` naming the known kinds.
    public init(parsing name: String) throws {
        guard let kind = LossKind(rawValue: name) else {
            throw NetworkError.unknownName(kind: "loss", name: name, known: Self.names)
        }
        self = kind
    }

    /// A fresh loss of this kind; the quadratic cost uses sigmoid outputs for class labels
    /// (the textbook setting) and identity outputs for regression.
    public func makeLoss<Scalar: NetworkScalar>(regression: Bool, scalar: Scalar.Type = Scalar.self) -> any Loss<Scalar> {
        switch self {
        case .softmaxCrossEntropy: SoftmaxCrossEntropy<Scalar>()
        case .binaryCrossEntropy: BinaryCrossEntropy<Scalar>()
        case .quadratic: QuadraticCost<Scalar>(outputActivation: regression ? .identity : .sigmoid)
        }
    }
}
