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
public enum LossKind: String, CaseIterable, Sendable, Codable, Setting {
    case quadratic = "mse"
    case binaryCrossEntropy = "binary-ce"
    case softmaxCrossEntropy = "softmax-ce"

    public static let family = "loss"

    /// Every kind in the order help texts list them, with its help.
    public static var registry: [SettingName] { allCases.map { SettingName($0.rawValue, $0.help) } }

    /// The one-line help of this kind.
    public var help: String {
        switch self {
        case .quadratic: "quadratic cost ½‖a − y‖²: sigmoid outputs for class labels, identity for regression"
        case .binaryCrossEntropy: "binary cross-entropy: one sigmoid per output (multi-label)"
        case .softmaxCrossEntropy: "cross-entropy of a softmax over the classes"
        }
    }

    /// The default for a task: `mse` for regression, `softmax-ce` for classification.
    public static func defaultKind(regression: Bool) -> LossKind {
        regression ? .quadratic : .softmaxCrossEntropy
    }

    /// The kind called `name` (a loss takes no options).
    /// - Throws: ``NetworkError`` naming the known kinds and the
    ///   closest one.
    public init(parsing name: String) throws {
        let setting = try NamedSetting(parsing: name)
        guard let kind = LossKind(rawValue: setting.name) else { throw Self.unknownName(setting.name, in: name) }
        try setting.validateKeys([])
        self = kind
    }

    /// The name, which ``init(parsing:)`` reads back.
    public var description: String { rawValue }

    /// A fresh loss of this kind after the output activation `output` (`nil`: the kind's
    /// own — sigmoid for `binary-ce`, softmax for `softmax-ce`, and for `mse` sigmoid with
    /// class labels, identity for regression). Only `mse` takes any other activation.
    ///
    /// - Throws: ``NetworkError/incompatible(_:_:relation:)`` when a cross-entropy is asked
    ///   for another output activation than its own.
    public func makeLoss<Scalar: NetworkScalar>(regression: Bool, output: Activation?, scalar: Scalar.Type = Scalar.self) throws -> any Loss<Scalar> {
        guard let output else { return makeLoss(regression: regression) }
        switch self {
        case .quadratic: return QuadraticCost<Scalar>(outputActivation: output)
        case .binaryCrossEntropy where output == .sigmoid, .softmaxCrossEntropy where output == .softmax: return makeLoss(regression: regression)
        case .binaryCrossEntropy, .softmaxCrossEntropy:
            throw NetworkError.incompatible("the loss \(rawValue)", "output activation \(output.name)", relation: "cannot take the")
        }
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
