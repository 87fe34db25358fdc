/// The optimisers by flag name.
public enum OptimizerName: String, CaseIterable, Sendable, Hashable, Codable {
    /// ``GradientDescent``.
    case sgd
    /// ``Momentum`` (average form, `v = βv + (1−β)g`).
    case momentum
    /// ``ClassicalMomentum`` (`v = μv − αg`).
    case classicalMomentum = "classical-momentum"
    /// ``Nesterov``.
    case nesterov
    /// ``RMSprop``.
    case rmsprop
    /// ``Adam``.
    case adam
    /// ``Adam`` with ``DecoupledWeightDecay``.
    case adamw

    /// The one-line help of this rule.
    public var help: String {
        switch self {
        case .sgd: "plain gradient descent w −= αg"
        case .momentum: "momentum, average form v = βv + (1−β)g; option beta (0.9)"
        case .classicalMomentum: "classical momentum v = μv − αg; option beta (μ, 0.9)"
        case .nesterov: "Nesterov accelerated gradient; option beta (μ, 0.9)"
        case .rmsprop: "RMSprop; options beta (0.9), epsilon (1e-8)"
        case .adam: "Adam; options beta1 (0.9), beta2 (0.999), epsilon (1e-8)"
        case .adamw: "Adam with decoupled weight decay; options beta1, beta2, epsilon, decay (0.01)"
        }
    }

    /// The learning rate α a run takes when none is given: 0.1 for gradient descent and
    /// momentum in average form (whose step is α·g), 0.01 for classical momentum and Nesterov
    /// (whose velocity sums to a step of about α/(1 − μ)·g = 10α·g), 0.001 for RMSprop, Adam
    /// and AdamW (whose step is about α per weight whatever the gradient's size), as in
    /// Keras and PyTorch.
    public var defaultLearningRate: Double {
        switch self {
        case .sgd, .momentum: 0.1
        case .classicalMomentum, .nesterov: 0.01
        case .rmsprop, .adam, .adamw: 0.001
        }
    }

    /// The option keys this rule takes (besides `clip-value` and `clip-norm`).
    public var keys: [String] {
        switch self {
        case .sgd: []
        case .momentum, .classicalMomentum, .nesterov: ["beta"]
        case .rmsprop: ["beta", "epsilon"]
        case .adam: ["beta1", "beta2", "epsilon"]
        case .adamw: ["beta1", "beta2", "epsilon", "decay"]
        }
    }
}

/// A named optimiser with its hyper-parameters, as a value that can be parsed from a flag,
/// stored in a config file and turned into an ``Optimizer``.
///
/// Flag syntax `name[:key=value,...]` (see ``NamedSetting``); keys:
/// `beta` (β of momentum/RMSprop, μ of classical momentum/Nesterov; default 0.9),
/// `beta1` (0.9), `beta2` (0.999), `epsilon` (1e-8), `decay` (AdamW's λ, default 0.01),
/// `clip-value`, `clip-norm` (gradient clipping, off by default).
///
/// ```swift
/// let configuration = try OptimizerConfiguration(parsing: "adam:beta2=0.99,clip-norm=5")
/// let optimizer: any Optimizer<Float> = try configuration.makeOptimizer()
/// ```
public struct OptimizerConfiguration: Sendable, Hashable, Codable, Setting {
    /// Which rule.
    public var name: OptimizerName
    /// β for momentum and RMSprop, μ for classical momentum and Nesterov.
    public var beta: Double = 0.9
    /// Adam's β1.
    public var beta1: Double = 0.9
    /// Adam's β2.
    public var beta2: Double = 0.999
    /// ε of RMSprop and Adam.
    public var epsilon: Double = 1e-8
    /// AdamW's decoupled decay λ.
    public var weightDecay: Double = 0.01
    /// Clip each gradient element to `[−c, c]`, if set.
    public var clipValue: Double?
    /// Clip the global gradient norm to `c`, if set.
    public var clipNorm: Double?

    public static let family = "optimiser"

    /// The rules of ``OptimizerName`` with their help.
    public static var registry: [SettingName] { OptimizerName.allCases.map { SettingName($0.rawValue, $0.help) } }

    /// A configuration with default hyper-parameters for `name`.
    public init(name: OptimizerName) {
        self.name = name
    }

    /// Parses `name[:key=value,...]`.
    ///
    /// - Throws: ``NetworkError`` naming an unknown optimiser or
    ///   option, or a value out of range.
    public init(parsing text: String) throws {
        let setting = try NamedSetting(parsing: text)
        guard let name = OptimizerName(rawValue: setting.name) else { throw Self.unknownName(setting.name, in: text) }
        try setting.validateKeys(name.keys + ["clip-value", "clip-norm"])
        self.init(name: name)
        beta = setting.value("beta", default: beta)
        beta1 = setting.value("beta1", default: beta1)
        beta2 = setting.value("beta2", default: beta2)
        epsilon = setting.value("epsilon", default: epsilon)
        weightDecay = setting.value("decay", default: weightDecay)
        clipValue = setting.options["clip-value"]
        clipNorm = setting.options["clip-norm"]
        try validate()
    }

    /// Throws unless every hyper-parameter is in range.
    public func validate() throws {
        func check(_ condition: Bool, _ message: String) throws {
            if !condition { throw NetworkError.invalidSetting(family: "Optimiser", text: description, problem: message) }
        }
        try check(beta >= 0 && beta < 1, "beta must lie in [0, 1), got \(beta)")
        try check(beta1 >= 0 && beta1 < 1, "beta1 must lie in [0, 1), got \(beta1)")
        try check(beta2 >= 0 && beta2 < 1, "beta2 must lie in [0, 1), got \(beta2)")
        try check(epsilon > 0, "epsilon must be positive, got \(epsilon)")
        try check(weightDecay >= 0, "decay must be non-negative, got \(weightDecay)")
        if let clipValue { try check(clipValue > 0, "clip-value must be positive, got \(clipValue)") }
        if let clipNorm { try check(clipNorm > 0, "clip-norm must be positive, got \(clipNorm)") }
    }

    /// A fresh optimiser: the named rule, wrapped in decoupled decay (AdamW) and clipping
    /// (by value first, then by global norm) when configured.
    ///
    /// - Throws: ``NetworkError`` for an out-of-range value.
    public func makeOptimizer<Scalar: NetworkScalar>(scalar: Scalar.Type = Scalar.self) throws -> any Optimizer<Scalar> {
        try validate()
        var optimizer: any Optimizer<Scalar>
        switch name {
        case .sgd: optimizer = GradientDescent<Scalar>()
        case .momentum: optimizer = Momentum<Scalar>(beta: beta)
        case .classicalMomentum: optimizer = ClassicalMomentum<Scalar>(momentum: beta)
        case .nesterov: optimizer = Nesterov<Scalar>(momentum: beta)
        case .rmsprop: optimizer = RMSprop<Scalar>(beta: beta, epsilon: epsilon)
        case .adam: optimizer = Adam<Scalar>(beta1: beta1, beta2: beta2, epsilon: epsilon)
        case .adamw: optimizer = DecoupledWeightDecay(Adam<Scalar>(beta1: beta1, beta2: beta2, epsilon: epsilon), decay: weightDecay)
        }
        if let clipNorm { optimizer = GradientClipping(optimizer, rule: .globalNorm(clipNorm)) }
        if let clipValue { optimizer = GradientClipping(optimizer, rule: .value(clipValue)) }
        return optimizer
    }

    public var description: String {
        var options: [String] = []
        switch name {
        case .sgd: break
        case .momentum, .classicalMomentum, .nesterov: options = ["beta=\(beta)"]
        case .rmsprop: options = ["beta=\(beta)", "epsilon=\(epsilon)"]
        case .adam: options = ["beta1=\(beta1)", "beta2=\(beta2)", "epsilon=\(epsilon)"]
        case .adamw: options = ["beta1=\(beta1)", "beta2=\(beta2)", "decay=\(weightDecay)", "epsilon=\(epsilon)"]
        }
        if let clipValue { options.append("clip-value=\(clipValue)") }
        if let clipNorm { options.append("clip-norm=\(clipNorm)") }
        return options.isEmpty ? name.rawValue : name.rawValue + ":" + options.joined(separator: ",")
    }
}
