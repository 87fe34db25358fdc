/// A rule that turns gradients into parameter updates, plus the state it carries between
/// steps (moments, step count).
///
/// Hyper-parameters live in the optimiser; per-parameter state is kept in memory and can be
/// exported as an ``OptimizerState`` value and restored, so a checkpoint resumes exactly.
/// `step` counts updates from 1 (Adam's bias correction uses it).
public protocol Optimizer<Scalar>: AnyObject, CustomStringConvertible {
    associatedtype Scalar: NetworkScalar

    /// Applies one update to every parameter from its ``Parameter/gradient``, with learning
    /// rate `learningRate` (α, given by the schedule).
    func update(_ parameters: [Parameter<Scalar>], learningRate: Scalar)

    /// The state accumulated so far (step count and per-parameter slots).
    var state: OptimizerState { get }

    /// Restores state exported by ``state`` for the same parameter list.
    ///
    /// - Throws: ``NetworkError/stateMismatch(component:detail:)`` when the state does not fit.
    func restore(_ state: OptimizerState, for parameters: [Parameter<Scalar>]) throws
}

/// An optimiser's state as plain values: the number of updates applied, and per slot
/// (e.g. `"velocity"`, `"squares"`) one array of values per parameter, in parameter order.
///
/// Values are stored as `Double`, which holds every `Float` exactly, so a restore is bit
/// for bit.
public struct OptimizerState: Codable, Sendable, Equatable {
    /// Updates applied so far.
    public var step: Int
    /// Slot name → one array per parameter (row-major values).
    public var slots: [String: [[Double]]]

    public init(step: Int = 0, slots: [String: [[Double]]] = [:]) {
        self.step = step
        self.slots = slots
    }
}
