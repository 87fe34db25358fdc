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
    /// class labels, identity for regression), with label smoothing `labelSmoothing` for the
    /// cross-entropies. Only `mse` takes any other activation.
    ///
    /// - Throws: ``NetworkError/incompatible(_:_:relation:)`` when a cross-entropy is asked
    ///   for another output activation than its own, or label smoothing for `mse` or
    ///   regression targets; ``NetworkError/invalidValue(setting:value:requirement:)`` for a
    ///   smoothing outside `[0, 1)`.
    public func makeLoss<Scalar: NetworkScalar>(regression: Bool, output: Activation?, labelSmoothing: Double = 0,
                                                scalar: Scalar.Type = Scalar.self) throws -> any Loss<Scalar> {
        try Self.validate(labelSmoothing: labelSmoothing, for: self, regression: regression)
        guard let output else { return makeLoss(regression: regression, labelSmoothing: labelSmoothing) }
        switch self {
        case .quadratic: return QuadraticCost<Scalar>(outputActivation: output)
        case .binaryCrossEntropy where output == .sigmoid, .softmaxCrossEntropy where output == .softmax:
            return makeLoss(regression: regression, labelSmoothing: labelSmoothing)
        case .binaryCrossEntropy, .softmaxCrossEntropy:
            throw NetworkError.incompatible("the loss \(rawValue)", "output activation \(output.name)", relation: "cannot take the")
        }
    }

    /// A fresh loss of this kind; the quadratic cost uses sigmoid outputs for class labels
    /// (the textbook setting) and identity outputs for regression. `labelSmoothing` (checked
    /// by ``validate(labelSmoothing:for:regression:)``) applies to the cross-entropies only.
    public func makeLoss<Scalar: NetworkScalar>(regression: Bool, labelSmoothing: Double = 0, scalar: Scalar.Type = Scalar.self) -> any Loss<Scalar> {
        switch self {
        case .softmaxCrossEntropy: SoftmaxCrossEntropy<Scalar>(labelSmoothing: labelSmoothing)
        case .binaryCrossEntropy: BinaryCrossEntropy<Scalar>(labelSmoothing: labelSmoothing)
        case .quadratic: QuadraticCost<Scalar>(outputActivation: regression ? .identity : .sigmoid)
        }
    }

    /// Throws unless `labelSmoothing` lies in `[0, 1)` and is 0 for `mse` and for regression
    /// targets (smoothing mixes class labels with the uniform distribution over the classes).
    ///
    /// - Throws: ``NetworkError/invalidValue(setting:value:requirement:)`` or
    ///   ``NetworkError/incompatible(_:_:relation:)``.
    public static func validate(labelSmoothing: Double, for kind: LossKind, regression: Bool) throws {
        guard labelSmoothing >= 0 && labelSmoothing < 1 else {
            throw NetworkError.invalidValue(setting: "label-smoothing", value: "\(labelSmoothing)", requirement: "must lie in [0, 1)")
        }
        guard labelSmoothing == 0 || (kind != .quadratic && !regression) else {
            throw NetworkError.incompatible("label-smoothing \(labelSmoothing)", regression ? "regression targets" : "the loss mse",
                                            relation: "smooths class labels for softmax-ce and binary-ce only, not")
        }
    }
}
