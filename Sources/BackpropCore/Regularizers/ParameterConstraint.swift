/// A rule that projects the parameters back onto an allowed set: the ``Trainer`` applies
/// each of its ``Trainer/constraints``, in order, right after every optimiser update.
public protocol ParameterConstraint: Sendable, CustomStringConvertible {
    /// Projects `parameters` (all of the network's, in ``Sequential/parameters`` order) in place.
    func apply<Scalar: NetworkScalar>(to parameters: [Parameter<Scalar>])
}
