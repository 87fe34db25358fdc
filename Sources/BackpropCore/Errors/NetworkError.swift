/// A problem with a network, its settings or the data given to it, reported with the layer,
/// setting or shapes involved instead of a crash.
///
/// The cases are grouped by what went wrong; each description is one line:
///
/// | Case | Description |
/// |---|---|
/// | ``invalidSize(what:value:requirement:)`` | `a histogram needs at least one bin, got 0` |
/// | ``invalidValue(setting:value:requirement:)`` | `noise must be non-negative, got -1.0` |
/// | ``unknownName(kind:name:known:text:)`` | `unknown loss 'hinge'; choose one of mse, softmax-ce` |
/// | ``invalidSetting(family:text:problem:)`` | `optimiser 'adam:beta1=2': beta1 must lie in [0, 1), got 2.0` |
/// | ``incompatible(_:_:relation:)`` | `The network (2 → 3) does not match the blueprint [2, 4]` |
/// | ``unusable(what:reason:)`` | `ensemble member 2: has 3 outputs, the first member 2` |
/// | ``stateMismatch(component:detail:)`` | `adam: the saved step count -1 is negative` |
/// | ``numericalFailure(operation:detail:)`` | `LAPACK dsyev failed: info = 3 on a 4×4 matrix` |
public enum NetworkError: BackpropError, Equatable {
    /// The input does not have the shape the layer was built for.
    case shapeMismatch(layer: String, expected: String, actual: String)
    /// A batch with no rows.
    case emptyBatch(layer: String)
    /// A class label outside `0..<classCount`.
    case labelOutOfRange(label: Int, row: Int, classCount: Int)
    /// A NaN or infinite value where only finite numbers make sense.
    case nonFinite(place: String, row: Int, column: Int)
    /// A count or size that is too small or out of bounds: `what` (`"a histogram"`), the
    /// size given and the `requirement` (`"needs at least one bin"`).
    /// Reads `<what> <requirement>, got <value>`.
    case invalidSize(what: String, value: Int, requirement: String)
    /// A setting whose value is out of range or malformed: the `setting` (`"noise"`), the
    /// value as text and the `requirement` (`"must be non-negative"`).
    /// Reads `<setting> <requirement>, got <value>`.
    case invalidValue(setting: String, value: String, requirement: String)
    /// A name that is not one of the `known` names of its `kind` (`"loss"`, `"optimiser"`),
    /// found in `text` when the name was part of a longer setting.
    /// Reads `unknown <kind> '<name>'[ in '<text>']; choose one of <known, …>` and, when a
    /// known name is close, `(did you mean '<closest>'?)`.
    case unknownName(kind: String, name: String, known: [String], text: String? = nil)
    /// A setting written as text (`name[:key=value,…]`) that is malformed or has an option
    /// out of range: its `family` (`"optimiser"`; `nil` before the family is known), the
    /// text as written and the problem.
    /// Reads `[<family> ]'<text>': <problem>`.
    case invalidSetting(family: String?, text: String, problem: String)
    /// Two things, each fine alone, that do not fit together (sizes, classes, counts).
    /// Reads `<first> <relation> <second>`, e.g. `3 seeds given for 4 ensemble members`.
    case incompatible(_ first: String, _ second: String, relation: String)
    /// Something valid in itself that cannot be used here, with why.
    /// Reads `<what>: <reason>`.
    case unusable(what: String, reason: String)
    /// Saved state (an optimiser's slots, a checkpoint) that does not fit what restores it.
    /// Reads `<component>: <detail>`.
    case stateMismatch(component: String, detail: String)
    /// A numerical routine that failed on the given values.
    /// Reads `<operation> failed: <detail>`.
    case numericalFailure(operation: String, detail: String)

    /// The one-line message; there is no location.
    public var message: String {
        switch self {
        case let .shapeMismatch(layer, expected, actual):
            return "\(layer) expects input of shape \(expected), got \(actual)"
        case let .emptyBatch(layer):
            return "\(layer) received an empty batch (0 rows)"
        case let .labelOutOfRange(label, row, classCount):
            return "label \(label) in row \(row) is outside 0..<\(classCount)"
        case let .nonFinite(place, row, column):
            return "\(place) holds a NaN or infinite value at row \(row), column \(column)"
        case let .invalidSize(what, value, requirement):
            return "\(what) \(requirement), got \(value)"
        case let .invalidValue(setting, value, requirement):
            return "\(setting) \(requirement), got \(value)"
        case let .unknownName(kind, name, known, text):
            var message = "unknown \(kind) '\(name)'"
            if let text, text != name { message += " in '\(text)'" }
            message += "; choose one of \(known.joined(separator: ", "))"
            if let closest = KeySuggestion.closest(to: name, in: known) { message += " (did you mean '\(closest)'?)" }
            return message
        case let .invalidSetting(family, text, problem):
            return (family.map { "\($0) " } ?? "") + "'\(text)': \(problem)"
        case let .incompatible(first, second, relation):
            return "\(first) \(relation) \(second)"
        case let .unusable(what, reason):
            return "\(what): \(reason)"
        case let .stateMismatch(component, detail):
            return "\(component): \(detail)"
        case let .numericalFailure(operation, detail):
            return "\(operation) failed: \(detail)"
        }
    }
}
