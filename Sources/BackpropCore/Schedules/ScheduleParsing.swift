/// The learning-rate schedules by flag name.
public enum ScheduleName: String, CaseIterable, Sendable, Hashable, Codable {
    /// ``ConstantSchedule``.
    case constant
    /// ``InverseTimeSchedule``; option `decay` (1).
    case inverseTime = "inverse-time"
    /// ``ExponentialSchedule``; option `base` (0.95).
    case exponential
    /// ``InverseSquareRootSchedule``; option `k` (1).
    case inverseSqrt = "inverse-sqrt"
    /// ``StepSchedule``; options `every` (10), `factor` (0.5).
    case step
    /// ``CosineSchedule``; options `length` and `warmup` in epochs (length defaults to the
    /// training's epoch count), or `length-steps` and `warmup-steps` in updates; `min` (0).
    case cosine
    /// ``ReduceOnPlateau``; options `factor` (0.5), `patience` (10), `min-delta` (0),
    /// `stop-after` (1024), `maximize` (0 or 1: 1 when the metric is an accuracy).
    case plateau
}

/// Building schedules from flag values.
public enum LearningRateSchedules {
    /// Parses `name[:key=value,...]` (see ``ScheduleName`` for names and options) into a
    /// schedule starting at `initialLearningRate`.
    ///
    /// ```swift
    /// let schedule = try LearningRateSchedules.make(parsing: "step:every=10,factor=0.5",
    ///                                              initialLearningRate: 0.1)
    /// ```
    ///
    /// - Parameters:
    ///   - epochs: the planned number of epochs, the default length of `cosine`.
    /// - Throws: ``NetworkError/invalidConfiguration(_:)`` naming an unknown schedule or
    ///   option, or a value out of range.
    public static func make(parsing text: String, initialLearningRate: Double, epochs: Int? = nil) throws -> any LearningRateSchedule {
        let setting = try NamedSetting(parsing: text)
        guard let name = ScheduleName(rawValue: setting.name) else {
            throw NetworkError.invalidConfiguration(
                "Unknown schedule '\(setting.name)'; choose one of \(ScheduleName.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard initialLearningRate > 0, initialLearningRate.isFinite else {
            throw NetworkError.invalidConfiguration("The learning rate must be a positive number, got \(initialLearningRate)")
        }
        func check(_ condition: Bool, _ message: String) throws {
            if !condition { throw NetworkError.invalidConfiguration("Schedule '\(text)': \(message)") }
        }
        let alpha = initialLearningRate
        switch name {
        case .constant:
            try setting.validateKeys([])
            return ConstantSchedule(alpha)
        case .inverseTime:
            try setting.validateKeys(["decay"])
            let decay = setting.value("decay", default: 1)
            try check(decay >= 0, "decay must be non-negative")
            return InverseTimeSchedule(initialLearningRate: alpha, decay: decay)
        case .exponential:
            try setting.validateKeys(["base"])
            let base = setting.value("base", default: 0.95)
            try check(base > 0 && base <= 1, "base must lie in (0, 1]")
            return ExponentialSchedule(initialLearningRate: alpha, base: base)
        case .inverseSqrt:
            try setting.validateKeys(["k"])
            let k = setting.value("k", default: 1)
            try check(k > 0, "k must be positive")
            return InverseSquareRootSchedule(initialLearningRate: alpha, k: k)
        case .step:
            try setting.validateKeys(["every", "factor"])
            let every = try setting.integer("every", default: 10)
            let factor = setting.value("factor", default: 0.5)
            try check(every >= 1, "every must be at least 1")
            try check(factor > 0 && factor <= 1, "factor must lie in (0, 1]")
            return StepSchedule(initialLearningRate: alpha, every: every, factor: factor)
        case .cosine:
            try setting.validateKeys(["length", "warmup", "length-steps", "warmup-steps", "min"])
            let inSteps = setting.options["length-steps"] != nil || setting.options["warmup-steps"] != nil
            try check(!(inSteps && (setting.options["length"] != nil || setting.options["warmup"] != nil)),
                      "give length and warm-up either in epochs or in steps, not both")
            let length = try setting.integer(inSteps ? "length-steps" : "length", default: inSteps ? 0 : (epochs ?? 0))
            let warmup = try setting.integer(inSteps ? "warmup-steps" : "warmup", default: 0)
            let minimum = setting.value("min", default: 0)
            try check(length >= 1, inSteps ? "length-steps is required" : "length is required when the number of epochs is unknown")
            try check(warmup >= 0 && warmup < length, "the warm-up must be shorter than the length")
            try check(minimum >= 0 && minimum <= alpha, "min must lie in [0, α0]")
            return CosineSchedule(
                initialLearningRate: alpha, length: length, warmup: warmup, minimumLearningRate: minimum,
                unit: inSteps ? .steps : .epochs)
        case .plateau:
            try setting.validateKeys(["factor", "patience", "min-delta", "stop-after", "maximize"])
            let factor = setting.value("factor", default: 0.5)
            let patience = try setting.integer("patience", default: 10)
            let minDelta = setting.value("min-delta", default: 0)
            let stopAfter = setting.value("stop-after", default: 1024)
            let maximize = setting.value("maximize", default: 0)
            try check(factor > 0 && factor < 1, "factor must lie in (0, 1)")
            try check(patience >= 1, "patience must be at least 1")
            try check(minDelta >= 0, "min-delta must be non-negative")
            try check(stopAfter >= 1, "stop-after must be at least 1")
            try check(maximize == 0 || maximize == 1, "maximize must be 0 or 1")
            return ReduceOnPlateau(
                initialLearningRate: alpha, factor: factor, patience: patience, minDelta: minDelta,
                stopAfterTotalFactor: stopAfter, goal: maximize == 1 ? .maximize : .minimize)
        }
    }
}
