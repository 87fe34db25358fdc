import Foundation
import BackpropCore
import BackpropRecipes

// MARK: - Search space

/// The hyper-parameters a search varies, read from the `search:` block of a configuration file
/// (see the HyperparameterSearch article).
///
/// ```yaml
/// search:
///   lr: {log-uniform: [0.0001, 1.0]}           # α = 10^r, r ~ U[−4, 0]
///   momentum: {one-minus-log-uniform: [0.9, 0.999]}
///   dropout: {uniform: [0.0, 0.5], grid-points: 3}
///   batch-size: [16, 64]                       # choices
///   hidden-units: {int: [16, 256], log: true}
///   hidden-layers: {int: [1, 3]}
/// ```
/// A point of the search is a vector `u ∈ [0, 1]^d` (one coordinate per parameter, in file order);
/// ``configuration(at:)`` maps it to values. Strategies work on that unit-cube encoding.
///
/// **Layers.** `hidden-units` and `hidden-layers` are combined into `layers` by
/// ``TrialConfiguration/applied(to:)``: with base `layers: [i, h₁, …, o]`, the trial gets
/// `[i] + [units] × depth + [o]`, where a missing `hidden-units` keeps `h₁` and a missing
/// `hidden-layers` keeps the base depth.
public struct SearchSpace: Sendable, Hashable, Codable {
    /// The parameters in file order.
    public var parameters: [SearchParameter]

    /// Creates a space; parameter names must be unique.
    public init(parameters: [SearchParameter]) {
        self.parameters = parameters
    }

    /// The number of parameters `d`.
    public var dimension: Int { parameters.count }

    /// The configuration at unit-cube point `point` (length `d`).
    public func configuration(at point: [Double]) -> TrialConfiguration {
        precondition(point.count == dimension, "point has \(point.count) coordinates for \(dimension) parameters")
        let clamped = point.map { min(1, max(0, $0)) }
        return TrialConfiguration(names: parameters.map(\.name),
                                  values: zip(parameters, clamped).map { $0.value(at: $1) },
                                  point: clamped)
    }

    /// A configuration drawn uniformly on the unit cube (so each domain gets its own law, e.g. log-uniform).
    public func sample(using generator: inout RandomGenerator) -> TrialConfiguration {
        configuration(at: (0..<dimension).map { _ in generator.uniform() })
    }

    /// The grid coordinates of each parameter (see ``SearchParameter/gridCoordinates()``).
    public func gridAxes() throws -> [[Double]] {
        try parameters.map { try $0.gridCoordinates() }
    }

    /// The number of grid configurations: the product of the axis sizes.
    public func gridSize() throws -> Int {
        try gridAxes().reduce(1) { $0 * $1.count }
    }

    /// The `index`-th grid configuration in mixed-radix order (last parameter varies fastest).
    public func gridConfiguration(index: Int) throws -> TrialConfiguration {
        let axes = try gridAxes()
        var remainder = index
        var point = Array(repeating: 0.0, count: dimension)
        for axis in axes.indices.reversed() {
            point[axis] = axes[axis][remainder % axes[axis].count]
            remainder /= axes[axis].count
        }
        return configuration(at: point)
    }

    // MARK: Parsing

    /// Parses a `search:` block. Each key is a list of choices or a table with exactly one of
    /// `choices`, `uniform`, `log-uniform`, `one-minus-log-uniform`, `int` (a two-element list),
    /// plus optional `log: true` (for `int`) and `grid-points: N`.
    /// - Throws: `ConfigError` naming the file, key and line of the first problem.
    public static func parse(_ block: ConfigEntry, file: String) throws -> SearchSpace {
        guard case .table(let entries) = block.value else {
            throw ConfigError(file: file, key: "search", line: block.line,
                              problem: .wrongType(expected: "a table of hyper-parameter ranges", found: block.value.typeName))
        }
        guard !entries.isEmpty else {
            throw ConfigError(file: file, key: "search", line: block.line, problem: .invalidValue("no hyper-parameters to search"))
        }
        return SearchSpace(parameters: try entries.map { try parseParameter($0, file: file) })
    }

    private static let rangeKinds = ["choices", "uniform", "log-uniform", "one-minus-log-uniform", "int"]
    private static let rangeKeys = rangeKinds + ["log", "grid-points"]

    private static func parseParameter(_ entry: ConfigEntry, file: String) throws -> SearchParameter {
        func fail(_ problem: ConfigError.Problem) -> ConfigError {
            ConfigError(file: file, key: "search.\(entry.key)", line: entry.line, problem: problem)
        }
        switch entry.value {
        case .list(let values):
            guard !values.isEmpty else { throw fail(.invalidValue("an empty list of choices")) }
            return SearchParameter(name: entry.key, domain: .choices(values))
        case .table(let fields):
            for field in fields where !rangeKeys.contains(field.key) {
                throw ConfigError(file: file, key: "search.\(entry.key).\(field.key)", line: field.line ?? entry.line,
                                  problem: .unknownKey(suggestion: KeySuggestion.closest(to: field.key, in: rangeKeys)))
            }
            let kinds = fields.filter { rangeKinds.contains($0.key) }
            guard kinds.count == 1, let kind = kinds.first else {
                throw fail(.invalidValue("give exactly one of \(rangeKinds.joined(separator: ", "))"))
            }
            var gridPoints: Int?
            if let points = entry.value["grid-points"] {
                guard case .int(let count) = points, count >= 1 else {
                    throw fail(.invalidValue("grid-points must be a positive integer, found '\(points)'"))
                }
                gridPoints = count
            }
            var log = false
            if let flag = entry.value["log"] {
                guard case .bool(let value) = flag else { throw fail(.wrongType(expected: "a boolean for 'log'", found: flag.typeName)) }
                log = value
            }
            if kind.key == "choices" {
                guard case .list(let values) = kind.value, !values.isEmpty else {
                    throw fail(.wrongType(expected: "a non-empty list of choices", found: kind.value.typeName))
                }
                return SearchParameter(name: entry.key, domain: .choices(values))
            }
            guard case .list(let bounds) = kind.value, bounds.count == 2 else {
                throw fail(.wrongType(expected: "'\(kind.key): [low, high]'", found: "\(kind.value.typeName) '\(kind.value)'"))
            }
            if kind.key == "int" {
                guard case .int(let lower) = bounds[0], case .int(let upper) = bounds[1] else {
                    throw fail(.wrongType(expected: "two integers for 'int'", found: "'\(kind.value)'"))
                }
                guard lower <= upper else { throw fail(.invalidValue("low \(lower) is above high \(upper)")) }
                if log && lower < 1 { throw fail(.invalidValue("a log integer range needs low ≥ 1, found \(lower)")) }
                return SearchParameter(name: entry.key, domain: .integer(lower: lower, upper: upper, log: log), gridPoints: gridPoints)
            }
            guard let lower = bounds[0].numericValue, let upper = bounds[1].numericValue else {
                throw fail(.wrongType(expected: "two numbers for '\(kind.key)'", found: "'\(kind.value)'"))
            }
            guard lower.isFinite, upper.isFinite, lower < upper else {
                throw fail(.invalidValue("need finite low < high, found [\(lower), \(upper)]"))
            }
            let domain: ParameterDomain
            switch kind.key {
            case "uniform":
                domain = .uniform(lower: lower, upper: upper)
            case "log-uniform":
                guard lower > 0 else { throw fail(.invalidValue("log-uniform needs low > 0, found \(lower)")) }
                domain = .logUniform(lower: lower, upper: upper)
            default:
                guard upper < 1 else { throw fail(.invalidValue("one-minus-log-uniform needs high < 1, found \(upper)")) }
                domain = .oneMinusLogUniform(lower: lower, upper: upper)
            }
            return SearchParameter(name: entry.key, domain: domain, gridPoints: gridPoints)
        default:
            throw fail(.wrongType(expected: "a list of choices or a range table such as {log-uniform: [0.0001, 1]}",
                                  found: "\(entry.value.typeName) '\(entry.value)'"))
        }
    }
}

// MARK: - Trial configuration

/// The hyper-parameter values of one trial, with the unit-cube point they came from.
public struct TrialConfiguration: Sendable, Hashable, Codable {
    /// Parameter names, in search-space order.
    public var names: [String]
    /// Values, aligned with ``names``.
    public var values: [ConfigValue]
    /// The unit-cube coordinates, aligned with ``names``.
    public var point: [Double]

    /// Creates a configuration.
    public init(names: [String], values: [ConfigValue], point: [Double]) {
        self.names = names
        self.values = values
        self.point = point
    }

    private enum CodingKeys: String, CodingKey { case names, values, point }

    /// Decodes the form written by ``encode(to:)``.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        names = try container.decode([String].self, forKey: .names)
        values = try container.decode([TaggedConfigValue].self, forKey: .values).map(\.value)
        point = try container.decode([Double].self, forKey: .point)
    }

    /// Encodes values with their type (`{"double": 1}`), since JSON writes the number 1.0 as `1`.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(names, forKey: .names)
        try container.encode(values.map(TaggedConfigValue.init), forKey: .values)
        try container.encode(point, forKey: .point)
    }

    /// The value of parameter `name`, or `nil`.
    public subscript(name: String) -> ConfigValue? {
        names.firstIndex(of: name).map { values[$0] }
    }

    /// The values as a flag-style override map (`hidden-units`/`hidden-layers` not yet combined).
    public var overrides: [String: ConfigValue] {
        Dictionary(uniqueKeysWithValues: zip(names, values))
    }

    /// The base run configuration with this trial's values in place, `hidden-units` and
    /// `hidden-layers` combined into `layers` (see ``SearchSpace``).
    /// - Throws: `ConfigError` when the base has no usable `layers` to combine with.
    public func applied(to base: RunConfiguration) throws -> RunConfiguration {
        var values = overrides
        let units = values.removeValue(forKey: "hidden-units")
        let depth = values.removeValue(forKey: "hidden-layers")
        if units != nil || depth != nil {
            guard let layers = try base.intList("layers"), layers.count >= 2 else {
                throw base.error(key: "layers", .invalidValue("searching hidden-units or hidden-layers needs a base 'layers: [inputs, …, outputs]'"))
            }
            let hiddenWidth: Int
            if let units {
                guard case .int(let width) = units else { throw base.error(key: "hidden-units", .wrongType(expected: "an integer", found: units.typeName)) }
                hiddenWidth = width
            } else {
                guard layers.count > 2 else { throw base.error(key: "layers", .invalidValue("no hidden layer to take hidden-units from")) }
                hiddenWidth = layers[1]
            }
            var hiddenCount = layers.count - 2
            if let depth {
                guard case .int(let count) = depth, count >= 0 else { throw base.error(key: "hidden-layers", .invalidValue("'\(depth)' is not a count")) }
                hiddenCount = count
            }
            let combined = [layers[0]] + Array(repeating: hiddenWidth, count: hiddenCount) + [layers[layers.count - 1]]
            values["layers"] = .list(combined.map(ConfigValue.int))
        }
        let optimizerKeys = Self.optimizerOptionKeys.keys.filter { values[$0] != nil }.sorted()
        if !optimizerKeys.isEmpty {
            // `momentum: 0.95` or `beta2: 0.999` become options of the optimiser setting.
            let text = try values["optimizer"].map { "\($0)" } ?? base.string("optimizer") ?? TrainingRecipe().optimizer.text
            var setting: NamedSetting
            do { setting = try NamedSetting(parsing: text) } catch { throw base.error(key: "optimizer", .invalidValue("\(error)")) }
            for key in optimizerKeys {
                let value = values.removeValue(forKey: key)
                guard let number = value?.numericValue else {
                    throw base.error(key: key, .wrongType(expected: "a number", found: value?.typeName ?? "nothing"))
                }
                setting.options[Self.optimizerOptionKeys[key]!] = number
            }
            values["optimizer"] = .string(setting.description)
        }
        return base.overriding(with: values)
    }

    /// Search keys that set an option of the optimiser rather than a recipe key:
    /// `momentum` (β of momentum and Nesterov; `beta` too), `beta1` and `beta2` (Adam), the
    /// clipping thresholds and AdamW's decay.
    public static let optimizerOptionKeys: [String: String] = [
        "momentum": "beta", "beta": "beta", "beta1": "beta1", "beta2": "beta2",
        "clip-norm": "clip-norm", "clip-value": "clip-value", "decay": "decay",
    ]
}

// MARK: - Typed JSON form

/// A ``ConfigValue`` in JSON with its type kept: `{"int": 1}`, `{"double": 1}`, `{"list": [...]}`,
/// `{"table": [["key", {...}], ...]}`.
struct TaggedConfigValue: Codable {
    let value: ConfigValue

    init(_ value: ConfigValue) { self.value = value }

    private enum Tag: String, CodingKey { case string, int, double, bool, list, table }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Tag.self)
        guard let tag = container.allKeys.first else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "untyped value"))
        }
        switch tag {
        case .string: value = .string(try container.decode(String.self, forKey: tag))
        case .int: value = .int(try container.decode(Int.self, forKey: tag))
        case .double: value = .double(try container.decode(Double.self, forKey: tag))
        case .bool: value = .bool(try container.decode(Bool.self, forKey: tag))
        case .list: value = .list(try container.decode([TaggedConfigValue].self, forKey: tag).map(\.value))
        case .table:
            let pairs = try container.decode([TaggedEntry].self, forKey: tag)
            value = .table(pairs.map { ConfigEntry(key: $0.key, value: $0.value.value) })
        }
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Tag.self)
        switch value {
        case .string(let text): try container.encode(text, forKey: .string)
        case .int(let number): try container.encode(number, forKey: .int)
        case .double(let number): try container.encode(number, forKey: .double)
        case .bool(let flag): try container.encode(flag, forKey: .bool)
        case .list(let items): try container.encode(items.map(TaggedConfigValue.init), forKey: .list)
        case .table(let entries):
            try container.encode(entries.map { TaggedEntry(key: $0.key, value: TaggedConfigValue($0.value)) }, forKey: .table)
        }
    }

    private struct TaggedEntry: Codable {
        let key: String
        let value: TaggedConfigValue
    }
}
