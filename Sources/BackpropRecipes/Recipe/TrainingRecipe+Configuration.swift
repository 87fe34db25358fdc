import BackpropCore
import BackpropData

extension TrainingRecipe {
    /// The keys a config file (or a search space) may set, named like the `train` flags
    /// (``RunConfiguration/trainKeys``).
    public static var keys: [String] { RunConfiguration.trainKeys }

    /// The recipe a configuration describes: every key of ``keys`` that is present replaces
    /// the default.
    ///
    /// - Throws: ``ConfigError`` naming the source (file or command line), the key, its line
    ///   and the problem — including unknown keys outside `allowedExtraKeys`, with a "did you
    ///   mean" suggestion.
    public init(configuration config: RunConfiguration, allowedExtraKeys: [String] = []) throws {
        try config.validateKeys(known: Self.keys + allowedExtraKeys)
        self.init()
        func invalid(_ key: String, _ error: Error) -> ConfigError {
            config.error(key: key, .invalidValue("\(error)"))
        }
        func parsed<T>(_ key: String, _ parse: (String) throws -> T) throws -> T? {
            guard let text = try config.string(key) else { return nil }
            do { return try parse(text) } catch { throw invalid(key, error) }
        }
        func setting<Value: Setting>(_ key: String, as _: Value.Type = Value.self) throws -> SettingText<Value>? {
            try parsed(key) { try SettingText<Value>(parsing: $0) }
        }

        // Data
        // As written: a bare `mnist` stays `mnist`, never the folder found in the environment.
        data = try setting("data") ?? data
        if let value = config["target-column"] { targetColumn = value.description }
        if let value = try config.string("delimiter") { delimiter = value }
        if let value = try config.bool("header") { hasHeader = value }
        if let value = try config.bool("regression") { regression = value }
        if let value = config["split"] {
            let text: String
            if case let .list(items) = value { text = items.map(\.description).joined(separator: ",") } else { text = value.description }
            do { split = try SplitFractions(parsing: text) } catch { throw invalid("split", error) }
        }
        if let value = try config.bool("stratify") { stratify = value }
        if config["classes"] != nil || config["limit"] != nil {
            var chosen = subset ?? DataSubset()
            if let value = config["classes"] {
                let names: [String]
                if case let .list(items) = value { names = items.map(\.description) } else {
                    names = value.description.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                }
                chosen.classes = names
            }
            chosen.limit = try config.int("limit", in: 1...Int.max) ?? chosen.limit
            subset = chosen
        }
        var asked = PreprocessingChoices()
        asked.scale = try setting("scale", as: PixelScale.self)?.value
        let resolved = asked.withDefaultScale(for: data.value)
        if resolved.defaulted { pixelScaleByDefault = true }
        var choices = resolved.choices
        choices.standardize = try config.bool("standardize") ?? false
        choices.minMax = try config.bool("minmax") ?? false
        choices.subtractMean = try config.bool("subtract-mean") ?? false
        choices.pca = config["pca"]?.description
        choices.whiten = try config.bool("whiten") ?? false
        choices.zca = try config.bool("zca") ?? false
        choices.whitenEpsilon = try config.double("whiten-epsilon", in: 0...1) ?? choices.whitenEpsilon
        do { preprocessing = try choices.methods() } catch { throw invalid("preprocessing", error) }
        augmentation = try parsed("augment") { try AugmentationOptions(parsing: $0) }

        // Network
        if let value = try config.intList("layers") {
            guard value.count >= 2, value.allSatisfy({ $0 >= 1 }) else {
                throw config.error(key: "layers", .invalidValue("needs at least two sizes, each at least 1, got \(value)"))
            }
            layers = value
        }
        activation = try setting("activation") ?? activation
        if let value = config["dropout"] {
            let values: [Double]
            if case .list = value { values = try config.doubleList("dropout") ?? [] } else { values = [try config.double("dropout") ?? 0] }
            guard values.allSatisfy({ $0 >= 0 && $0 < 1 }) else {
                throw config.error(key: "dropout", .invalidValue("drop probabilities must lie in [0, 1), got \(values)"))
            }
            dropout = values.allSatisfy { $0 == 0 } ? [] : values
        }
        inputNoise = try config.double("input-noise", in: 0...1e6) ?? inputNoise
        if let value = config["batch-norm"] {
            switch value {
            case .bool(let on): batchNorm = on ? .beforeActivation : nil
            default:
                let names = BatchNormPlacement.allCases.map(\.rawValue)
                guard let name = try config.choice("batch-norm", in: names) else { break }
                batchNorm = BatchNormPlacement(rawValue: name)
            }
        }
        batchNormMomentum = try config.double("batch-norm-momentum", in: 0...0.999_999) ?? batchNormMomentum
        batchNormEpsilon = try config.double("batch-norm-epsilon", in: Double.leastNonzeroMagnitude...1) ?? batchNormEpsilon
        inputDropout = try config.double("input-dropout", in: 0...0.999_999) ?? inputDropout
        if let name = try config.choice("dropout-style", in: DropoutStyle.allCases.map(\.rawValue)) { dropoutStyle = DropoutStyle(rawValue: name) }
        initializer = try setting("init") ?? initializer
        loss = try setting("loss", as: LossKind.self)?.value ?? loss
        if let smoothing = try config.double("label-smoothing", in: 0...0.999_999) {
            do { try LossKind.validate(labelSmoothing: smoothing, for: lossKind, regression: regression) } catch { throw invalid("label-smoothing", error) }
            labelSmoothing = smoothing == 0 ? nil : smoothing
        }
        outputActivation = try setting("output-activation") ?? outputActivation
        do { _ = try outputFunction() } catch { throw invalid("output-activation", error) }
        biasInit = try setting("bias-init") ?? biasInit
        allowSymmetric = try config.bool("allow-symmetric") ?? allowSymmetric

        // Optimisation
        optimizer = try setting("optimizer") ?? optimizer
        learningRate = try config.double("lr", in: Double.leastNonzeroMagnitude...1e6)
            ?? optimizer.value.name.defaultLearningRate
        batchSize = try config.int("batch-size", in: 1...Int.max) ?? batchSize
        epochs = try config.int("epochs", in: 1...10_000_000) ?? epochs
        if let value: SettingText<ScheduleConfiguration> = try setting("schedule") {
            do { try value.value.validate(initialLearningRate: learningRate, epochs: epochs) } catch {
                throw invalid("schedule", error)
            }
            schedule = value
        }
        accumulate = try config.int("accumulate", in: 1...1_000_000) ?? accumulate
        ema = try config.double("ema", in: 0...0.999_999_999) ?? ema
        snapshotEnsemble = try config.bool("snapshot-ensemble") ?? snapshotEnsemble
        if snapshotEnsemble == true {
            do { _ = try snapshotSchedule() } catch { throw invalid("snapshot-ensemble", error) }
        }

        // Regularisation
        l1 = try config.double("l1", in: 0...1e12) ?? l1
        l2 = try config.double("l2", in: 0...1e12) ?? l2
        maxNorm = try config.double("max-norm", in: Double.leastNonzeroMagnitude...1e12) ?? maxNorm
        adversarial = try config.double("adversarial", in: Double.leastNonzeroMagnitude...1e12) ?? adversarial
        adversarialWeight = try config.double("adversarial-weight", in: 0...1) ?? adversarialWeight
        if adversarialWeight != nil && adversarial == nil {
            throw config.error(key: "adversarial-weight", .invalidValue("weights the clean cost of adversarial training, which needs adversarial: ε (the perturbation size) too"))
        }
        if let value = config["early-stopping"] {
            let stages: [Int]
            if case .list = value { stages = try config.intList("early-stopping") ?? [] } else { stages = [try config.int("early-stopping") ?? 0] }
            guard !stages.isEmpty, stages.allSatisfy({ $0 >= 1 }) else {
                throw config.error(key: "early-stopping", .invalidValue("patience must be at least 1 epoch, got \(stages)"))
            }
            earlyStopping = stages
        }
        if let name = try config.choice("early-stopping-monitor", in: [MonitoredMetric.devCost.rawValue, MonitoredMetric.devAccuracy.rawValue]) {
            earlyStoppingMonitor = MonitoredMetric(rawValue: name)
        }
        if let value = try config.int("seed", in: 0...Int.max) { seed = UInt64(value) }
        if let name = try config.choice("precision", in: ProductPrecision.allCases.map(\.rawValue)) { precision = ProductPrecision(rawValue: name) }
    }
}
