import Foundation
import BackpropCore
import BackpropRecipes

// MARK: - Parameter domain

/// The set a hyper-parameter is drawn from, mapped from a coordinate `u ∈ [0, 1]` of the unit cube.
///
/// | domain | value at `u` |
/// | --- | --- |
/// | `choices(v₀…vₙ₋₁)` | `v[min(n − 1, ⌊u·n⌋)]` |
/// | `uniform(a, b)` | `a + u·(b − a)` |
/// | `logUniform(a, b)` | `10^r`, `r = log₁₀a + u·(log₁₀b − log₁₀a)` (α = 10^r, r uniform) |
/// | `oneMinusLogUniform(a, b)` | `1 − 10^r`, `r = log₁₀(1 − b) + u·(log₁₀(1 − a) − log₁₀(1 − b))` (1 − β on a log scale) |
/// | `integer(lo, hi, log: false)` | `lo + min(hi − lo, ⌊u·(hi − lo + 1)⌋)` |
/// | `integer(lo, hi, log: true)` | `min(hi, ⌊exp(ln lo + u·(ln(hi + 1) − ln lo))⌋)` |
public enum ParameterDomain: Sendable, Hashable, Codable {
    /// A list of choices (any values), e.g. `batch-size: [16, 64]`.
    case choices([ConfigValue])
    /// A real uniform on `[lower, upper]`, e.g. `dropout: {uniform: [0, 0.5]}`.
    case uniform(lower: Double, upper: Double)
    /// A real whose base-10 logarithm is uniform, e.g. `lr: {log-uniform: [0.0001, 1]}`.
    case logUniform(lower: Double, upper: Double)
    /// A real β in `[lower, upper] ⊂ (−∞, 1)` with `1 − β` log-uniform, e.g. `momentum: {one-minus-log-uniform: [0.9, 0.999]}`.
    case oneMinusLogUniform(lower: Double, upper: Double)
    /// An integer range `lo…hi`, optionally uniform in log, e.g. `hidden-units: {int: [16, 256], log: true}`.
    case integer(lower: Int, upper: Int, log: Bool)

    private enum CodingKeys: String, CodingKey { case kind, values, lower, upper, log }

    /// Decodes the form written by ``encode(to:)``.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .kind) {
        case "choices": self = .choices(try container.decode([TaggedConfigValue].self, forKey: .values).map(\.value))
        case "uniform": self = .uniform(lower: try container.decode(Double.self, forKey: .lower), upper: try container.decode(Double.self, forKey: .upper))
        case "log-uniform": self = .logUniform(lower: try container.decode(Double.self, forKey: .lower), upper: try container.decode(Double.self, forKey: .upper))
        case "one-minus-log-uniform":
            self = .oneMinusLogUniform(lower: try container.decode(Double.self, forKey: .lower), upper: try container.decode(Double.self, forKey: .upper))
        case "int":
            self = .integer(lower: try container.decode(Int.self, forKey: .lower), upper: try container.decode(Int.self, forKey: .upper),
                            log: try container.decode(Bool.self, forKey: .log))
        case let kind:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "unknown domain '\(kind)'")
        }
    }

    /// Encodes as `{"kind": "log-uniform", "lower": …, "upper": …}`; choices keep their value types.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .choices(let values):
            try container.encode("choices", forKey: .kind)
            try container.encode(values.map(TaggedConfigValue.init), forKey: .values)
        case .uniform(let lower, let upper), .logUniform(let lower, let upper), .oneMinusLogUniform(let lower, let upper):
            let kind = if case .uniform = self { "uniform" } else if case .logUniform = self { "log-uniform" } else { "one-minus-log-uniform" }
            try container.encode(kind, forKey: .kind)
            try container.encode(lower, forKey: .lower)
            try container.encode(upper, forKey: .upper)
        case .integer(let lower, let upper, let log):
            try container.encode("int", forKey: .kind)
            try container.encode(lower, forKey: .lower)
            try container.encode(upper, forKey: .upper)
            try container.encode(log, forKey: .log)
        }
    }
}

// MARK: - Search parameter

/// One searched hyper-parameter: its key (a `train` flag name), domain and optional grid resolution.
public struct SearchParameter: Sendable, Hashable, Codable {
    /// The key, e.g. `lr`, `batch-size`, `hidden-units`.
    public var name: String
    /// The domain values are drawn from.
    public var domain: ParameterDomain
    /// The number of grid points for grid search (`grid-points: N`); required for continuous domains,
    /// optional for integer ranges (default: every integer), ignored for choices.
    public var gridPoints: Int?

    /// Creates a parameter.
    public init(name: String, domain: ParameterDomain, gridPoints: Int? = nil) {
        self.name = name
        self.domain = domain
        self.gridPoints = gridPoints
    }

    /// The value at unit coordinate `u` (clamped to `[0, 1]`), by the table of ``ParameterDomain``.
    public func value(at coordinate: Double) -> ConfigValue {
        let u = min(1, max(0, coordinate.isFinite ? coordinate : 0))
        switch domain {
        case .choices(let values):
            return values[min(values.count - 1, Int(u * Double(values.count)))]
        case .uniform(let lower, let upper):
            return .double(lower + u * (upper - lower))
        case .logUniform(let lower, let upper):
            return .double(Foundation.pow(10, Foundation.log10(lower) + u * (Foundation.log10(upper) - Foundation.log10(lower))))
        case .oneMinusLogUniform(let lower, let upper):
            let low = Foundation.log10(1 - upper), high = Foundation.log10(1 - lower)
            return .double(1 - Foundation.pow(10, low + u * (high - low)))
        case .integer(let lower, let upper, let log):
            if log {
                let raw = Foundation.exp(Foundation.log(Double(lower)) + u * (Foundation.log(Double(upper + 1)) - Foundation.log(Double(lower))))
                return .int(min(upper, max(lower, Int(raw))))
            }
            return .int(lower + min(upper - lower, Int(u * Double(upper - lower + 1))))
        }
    }

    /// The unit coordinates of the grid points: cell centres `(i + ½)/n` for choices and for every
    /// integer; `i/(N − 1)` for `N` grid points of a continuous or integer domain (`½` when `N = 1`).
    /// - Throws: ``SearchError/gridNeedsPoints(_:)`` for a continuous domain without `grid-points`.
    public func gridCoordinates() throws -> [Double] {
        if case .choices(let values) = domain {
            return (0..<values.count).map { (Double($0) + 0.5) / Double(values.count) }
        }
        guard let points = gridPoints else {
            guard case .integer(let lower, let upper, _) = domain else { throw SearchError.gridNeedsPoints(name) }
            return (lower...upper).map { coordinate(ofInteger: $0) }
        }
        if points <= 1 { return [0.5] }
        let coordinates = (0..<points).map { Double($0) / Double(points - 1) }
        // Integer ranges may map two coordinates to one value; keep the first of each.
        var seen = Set<ConfigValue>()
        return coordinates.filter { seen.insert(value(at: $0)).inserted }
    }

    /// The centre of the cell of integer `k` of an integer domain (linear or log).
    private func coordinate(ofInteger k: Int) -> Double {
        guard case .integer(let lower, let upper, let log) = domain else { return 0.5 }
        if !log { return (Double(k - lower) + 0.5) / Double(upper - lower + 1) }
        let span = Foundation.log(Double(upper + 1)) - Foundation.log(Double(lower))
        let start = (Foundation.log(Double(k)) - Foundation.log(Double(lower))) / span
        let end = (Foundation.log(Double(k + 1)) - Foundation.log(Double(lower))) / span
        return (start + end) / 2
    }

    /// A number for the value, used for correlations and plots: the value itself for numbers,
    /// the choice index for non-numeric choices.
    public func numericValue(of value: ConfigValue) -> Double? {
        if let number = value.numericValue { return number }
        if case .choices(let values) = domain, let index = values.firstIndex(of: value) { return Double(index) }
        if case .bool(let flag) = value { return flag ? 1 : 0 }
        return nil
    }
}

// MARK: - Errors

/// Problems with a search space, a strategy's settings or a study.
public enum SearchError: BackpropError, Equatable, LocalizedError {
    /// Grid search over a continuous parameter without `grid-points: N`.
    case gridNeedsPoints(String)
    /// The search space has no parameters.
    case emptySpace
    /// A strategy setting is invalid (message says which).
    case invalidSetting(String)
    /// The study holds a different study (message names the study and what differs).
    case studyMismatch(String)
    /// The study could not be used (message names it and says why).
    case storage(String)
    /// A `--study` location that is neither a file nor a valid `postgresql://` URL.
    case invalidStudyLocation(String, reason: String)
    /// The PostgreSQL server did not answer (server named without its password).
    case serverUnreachable(server: String, reason: String)
    /// The PostgreSQL server refused the user name or password.
    case authenticationFailed(server: String)
    /// The database named in the URL does not exist on the server.
    case databaseMissing(server: String, database: String)
    /// The connection dropped and could not be re-established after `attempts` tries.
    case connectionLost(server: String, attempts: Int, reason: String)
    /// The study was written with a newer schema than this version of Backprop reads.
    case schemaTooNew(location: String, found: Int, supported: Int)
    /// The objective metric was not reported by a trial.
    case missingObjective(metric: String, trial: Int)

    /// A one-line message.
    public var message: String {
        switch self {
        case .gridNeedsPoints(let name):
            "grid search cannot enumerate the continuous parameter '\(name)': add 'grid-points: N' to its range or use another strategy"
        case .emptySpace: "the search space has no parameters"
        case .invalidSetting(let message): "invalid search setting: \(message)"
        case .studyMismatch(let message): "the study holds a different study: \(message)"
        case .storage(let message): "study error: \(message)"
        case .invalidStudyLocation(let location, let reason):
            "'\(location)' is not a study: \(reason) (give a file path, sqlite:PATH or postgresql://USER@HOST[:PORT]/DATABASE)"
        case .serverUnreachable(let server, let reason):
            "cannot reach the PostgreSQL server \(server): \(reason); check the host and port, and that the server is running and accepts connections from this machine"
        case .authenticationFailed(let server):
            "the PostgreSQL server \(server) refused the user name or password: give the password in the URL, in PGPASSWORD or in ~/.pgpass"
        case .databaseMissing(let server, let database):
            "the database '\(database)' does not exist on \(server): create it (createdb \(database)) or name another one in the URL"
        case .connectionLost(let server, let attempts, let reason):
            "lost the connection to \(server) and could not reconnect after \(attempts) attempts (\(reason)); the running trial goes back to the queue when its lease runs out, so restart this worker once the server is back"
        case .schemaTooNew(let location, let found, let supported):
            "\(location) was written by a newer Backprop (study schema version \(found); this one reads up to \(supported)): upgrade Backprop to use it"
        case .missingObjective(let metric, let trial): "trial \(trial) did not report the objective metric '\(metric)'"
        }
    }

    /// Same as ``description``.
    public var errorDescription: String? { description }
}
