/// A layer that injects noise in training mode (dropout, Gaussian noise).
///
/// Gradient checking needs a deterministic cost, so it switches the noise off through
/// ``isNoiseEnabled`` and restores it afterwards.
public protocol StochasticLayer: AnyObject {
    /// When `false`, the layer is the identity even in training mode.
    var isNoiseEnabled: Bool { get set }
}
