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
    /// ``OneCycleSchedule``, per update over the whole run; options `max` (the peak; default
    /// the learning rate), `pct` (0.3), `div` (25), `final-div` (1e4).
    case oneCycle = "one-cycle"
    /// ``CosineRestartsSchedule`` (SGDR); options `period` in epochs (10) or `period-steps` in
    /// updates, `mult` (1), `min` (0).
    case cosineRestarts = "cosine-restarts"
    /// ``ReduceOnPlateau``; options `factor` (0.5), `patience` (10), `min-delta` (0),
    /// `stop-after` (1024), `maximize` (0 or 1: 1 when the metric is an accuracy).
    case plateau

    /// The one-line help of this schedule.
    public var help: String {
        switch self {
        case .constant: "α stays α0"
        case .inverseTime: "α0 / (1 + decay·epoch); option decay (1)"
        case .exponential: "α0 · base^epoch; option base (0.95)"
        case .inverseSqrt: "k·α0 / √(epoch + 1); option k (1)"
        case .step: "α × factor every few epochs; options every (10), factor (0.5)"
        case .cosine: "cosine decay to min after a linear warm-up; options length, warmup (epochs) or length-steps, warmup-steps; min (0)"
        case .oneCycle: "per update, cosine rise from max/div to max over pct of the run, then cosine fall to max/(div·final-div); options max (the learning rate), pct (0.3), div (25), final-div (1e4)"
        case .cosineRestarts: "cosine decay to min over each cycle, then a restart at α0 (SGDR); options period (10 epochs) or period-steps, mult (1: every cycle as long), min (0)"
        case .plateau: "α × factor when the dev cost stalls; options factor (0.5), patience (10), min-delta (0), stop-after (1024), maximize (0)"
        }
    }

    /// The option keys this schedule takes.
    public var keys: [String] {
        switch self {
        case .constant: []
        case .inverseTime: ["decay"]
        case .exponential: ["base"]
        case .inverseSqrt: ["k"]
        case .step: ["every", "factor"]
        case .cosine: ["length", "warmup", "length-steps", "warmup-steps", "min"]
        case .oneCycle: ["max", "pct", "div", "final-div"]
        case .cosineRestarts: ["period", "period-steps", "mult", "min"]
        case .plateau: ["factor", "patience", "min-delta", "stop-after", "maximize"]
        }
    }
}

/// A named learning-rate schedule with its options, parsed once from `name[:key=value,...]`
/// (see ``ScheduleName`` for names and options) and turned into a schedule once the initial
/// learning rate (and, for `cosine`, the epoch count; for `one-cycle`, the epoch count and
/// the updates per epoch) is known.
///
/// ```swift
/// let configuration = try ScheduleConfiguration(parsing: "step:every=10,factor=0.5")
/// let schedule = try configuration.makeSchedule(initialLearningRate: 0.1)
/// ```
public struct ScheduleConfiguration: Sendable, Hashable, Setting {
    /// Which schedule.
    public var name: ScheduleName
    /// The options given, keys lower-cased (defaults are not filled in).
    public var options: [String: Double]

    public static let family = "schedule"

    /// The schedules of ``ScheduleName`` with their help.
    public static var registry: [SettingName] { ScheduleName.allCases.map { SettingName($0.rawValue, $0.help) } }

    /// `name` with default options.
    public init(name: ScheduleName) {
        self.name = name
        self.options = [:]
    }

    /// Parses `name[:key=value,...]`, checking the names, keys and every range that does not
    /// depend on the learning rate or the epoch count.
    ///
    /// - Throws: ``NetworkError`` naming an unknown schedule (with
    ///   the closest name) or option, or a value out of range.
    public init(parsing text: String) throws {
        let setting = try NamedSetting(parsing: text)
        guard let name = ScheduleName(rawValue: setting.name) else { throw Self.unknownName(setting.name, in: text) }
        try setting.validateKeys(name.keys)
        self.name = name
        self.options = setting.options
        _ = try parameters(initialLearningRate: nil, epochs: nil, updatesPerEpoch: nil, text: text)
    }

    /// The text ``init(parsing:)`` reads back.
    public var description: String {
        NamedSetting(name: name.rawValue, options: options).description
    }

    /// The schedule starting at `initialLearningRate`.
    ///
    /// - Parameters:
    ///   - initialLearningRate: α at the first epoch (the peak of `one-cycle` unless its
    ///     `max` is given); a positive, finite number.
    ///   - epochs: the planned number of epochs, the default length of `cosine` and the
    ///     length of `one-cycle`.
    ///   - updatesPerEpoch: optimiser steps per epoch, which `one-cycle` needs (its length is
    ///     `epochs · updatesPerEpoch` updates).
    /// - Throws: ``NetworkError`` for a learning rate that is not
    ///   positive, a value out of range for it, or `one-cycle` without its length.
    public func makeSchedule(initialLearningRate: Double, epochs: Int? = nil, updatesPerEpoch: Int? = nil) throws -> any LearningRateSchedule {
        try checkLearningRate(initialLearningRate)
        guard let schedule = try parameters(initialLearningRate: initialLearningRate, epochs: epochs, updatesPerEpoch: updatesPerEpoch, text: description) else {
            throw NetworkError.invalidSetting(family: "Schedule", text: description, problem: "needs the number of epochs and of updates per epoch")
        }
        return schedule
    }

    /// Runs every check of ``makeSchedule(initialLearningRate:epochs:updatesPerEpoch:)`` that
    /// the given values allow, without building the schedule (settings are checked before
    /// the data, which fix the updates per epoch, are loaded).
    ///
    /// - Throws: ``NetworkError`` as ``makeSchedule(initialLearningRate:epochs:updatesPerEpoch:)`` does.
    public func validate(initialLearningRate: Double, epochs: Int?) throws {
        try checkLearningRate(initialLearningRate)
        _ = try parameters(initialLearningRate: initialLearningRate, epochs: epochs, updatesPerEpoch: nil, text: description)
    }

    private func checkLearningRate(_ initialLearningRate: Double) throws {
        guard initialLearningRate > 0, initialLearningRate.isFinite else {
            throw NetworkError.invalidValue(setting: "The learning rate", value: "\(initialLearningRate)", requirement: "must be a positive number")
        }
    }

    /// Checks the options and, given a learning rate, builds the schedule. Without one only
    /// the checks that need neither it nor the epoch count run.
    /// `nil` when a value the schedule needs is missing (only the checks possible ran).
    private func parameters(initialLearningRate: Double?, epochs: Int?, updatesPerEpoch: Int?, text: String) throws -> (any LearningRateSchedule)? {
        let setting = NamedSetting(name: name.rawValue, options: options)
        func check(_ condition: Bool, _ message: String) throws {
            if !condition { throw NetworkError.invalidSetting(family: "Schedule", text: text, problem: message) }
        }
        let alpha = initialLearningRate ?? 1
        let building = initialLearningRate != nil
        switch name {
        case .constant:
            return building ? ConstantSchedule(alpha) : nil
        case .inverseTime:
            let decay = setting.value("decay", default: 1)
            try check(decay >= 0, "decay must be non-negative")
            return building ? InverseTimeSchedule(initialLearningRate: alpha, decay: decay) : nil
        case .exponential:
            let base = setting.value("base", default: 0.95)
            try check(base > 0 && base <= 1, "base must lie in (0, 1]")
            return building ? ExponentialSchedule(initialLearningRate: alpha, base: base) : nil
        case .inverseSqrt:
            let k = setting.value("k", default: 1)
            try check(k > 0, "k must be positive")
            return building ? InverseSquareRootSchedule(initialLearningRate: alpha, k: k) : nil
        case .step:
            let every = try setting.integer("every", default: 10)
            let factor = setting.value("factor", default: 0.5)
            try check(every >= 1, "every must be at least 1")
            try check(factor > 0 && factor <= 1, "factor must lie in (0, 1]")
            return building ? StepSchedule(initialLearningRate: alpha, every: every, factor: factor) : nil
        case .cosine:
            let inSteps = setting.options["length-steps"] != nil || setting.options["warmup-steps"] != nil
            try check(!(inSteps && (setting.options["length"] != nil || setting.options["warmup"] != nil)),
                      "give length and warm-up either in epochs or in steps, not both")
            let givenLength = try setting.integer(inSteps ? "length-steps" : "length", default: 0)
            let warmup = try setting.integer(inSteps ? "warmup-steps" : "warmup", default: 0)
            let minimum = setting.value("min", default: 0)
            guard building else {
                // Without the epoch count only a length given in the text can be checked.
                try check(!inSteps || givenLength >= 1, "length-steps is required")
                if givenLength >= 1 { try check(warmup >= 0 && warmup < givenLength, "the warm-up must be shorter than the length") }
                try check(minimum >= 0, "min must lie in [0, α0]")
                return nil
            }
            let length = try setting.integer(inSteps ? "length-steps" : "length", default: inSteps ? 0 : (epochs ?? 0))
            try check(length >= 1, inSteps ? "length-steps is required" : "length is required when the number of epochs is unknown")
            try check(warmup >= 0 && warmup < length, "the warm-up must be shorter than the length")
            try check(minimum >= 0 && minimum <= alpha, "min must lie in [0, α0]")
            return CosineSchedule(
                initialLearningRate: alpha, length: length, warmup: warmup, minimumLearningRate: minimum,
                unit: inSteps ? .steps : .epochs)
        case .oneCycle:
            let peak = setting.value("max", default: alpha)
            let pct = setting.value("pct", default: 0.3)
            let div = setting.value("div", default: 25), finalDiv = setting.value("final-div", default: 1e4)
            try check(peak > 0 && peak.isFinite, "max must be a positive number")
            try check(pct > 0 && pct < 1, "pct must lie in (0, 1)")
            try check(div >= 1 && div.isFinite, "div must be at least 1")
            try check(finalDiv >= 1 && finalDiv.isFinite, "final-div must be at least 1")
            guard building, let epochs, let updatesPerEpoch else { return nil }
            do {
                return try OneCycleSchedule(maximumLearningRate: peak, totalUpdates: epochs * updatesPerEpoch, risingFraction: pct,
                                            initialDivisor: div, finalDivisor: finalDiv)
            } catch let error as NetworkError {
                throw NetworkError.invalidSetting(family: "Schedule", text: text, problem: "\(error.message)")
            }
        case .cosineRestarts:
            let inSteps = setting.options["period-steps"] != nil
            try check(!(inSteps && setting.options["period"] != nil), "give the period either in epochs (period) or in steps (period-steps), not both")
            let period = try setting.integer(inSteps ? "period-steps" : "period", default: 10)
            let multiplier = try setting.integer("mult", default: 1)
            let minimum = setting.value("min", default: 0)
            try check(period >= 1, inSteps ? "period-steps must be at least 1" : "period must be at least 1")
            try check(multiplier >= 1, "mult must be a whole number ≥ 1")
            try check(minimum >= 0 && minimum <= alpha, "min must lie in [0, α0]")
            guard building else { return nil }
            return CosineRestartsSchedule(initialLearningRate: alpha, period: period, multiplier: multiplier, minimumLearningRate: minimum,
                                          unit: inSteps ? CosineSchedule.Unit.steps : .epochs)
        case .plateau:
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
            return building
                ? ReduceOnPlateau(
                    initialLearningRate: alpha, factor: factor, patience: patience, minDelta: minDelta,
                    stopAfterTotalFactor: stopAfter, goal: maximize == 1 ? .maximize : .minimize)
                : nil
        }
    }
}

/// Building schedules from flag values.
public enum LearningRateSchedules {
    /// Parses `name[:key=value,...]` (see ``ScheduleName`` for names and options) into a
    /// schedule starting at `initialLearningRate`: ``ScheduleConfiguration/init(parsing:)``
    /// then ``ScheduleConfiguration/makeSchedule(initialLearningRate:epochs:updatesPerEpoch:)``.
    ///
    /// ```swift
    /// let schedule = try LearningRateSchedules.make(parsing: "step:every=10,factor=0.5",
    ///                                              initialLearningRate: 0.1)
    /// ```
    ///
    /// - Parameters:
    ///   - text: the flag value, `name[:key=value,...]`, e.g. `step:every=10,factor=0.5`.
    ///   - initialLearningRate: α at the first epoch; a positive, finite number.
    ///   - epochs: the planned number of epochs, the default length of `cosine`.
    ///   - updatesPerEpoch: optimiser steps per epoch (`one-cycle` needs it).
    /// - Throws: ``NetworkError`` naming an unknown schedule or
    ///   option, or a value out of range.
    public static func make(parsing text: String, initialLearningRate: Double, epochs: Int? = nil,
                            updatesPerEpoch: Int? = nil) throws -> any LearningRateSchedule {
        try ScheduleConfiguration(parsing: text).makeSchedule(initialLearningRate: initialLearningRate, epochs: epochs,
                                                              updatesPerEpoch: updatesPerEpoch)
    }
}
