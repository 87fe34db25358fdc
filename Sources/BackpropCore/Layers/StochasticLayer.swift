/// A layer that injects noise in training mode (dropout, Gaussian noise).
///
/// Gradient checking needs a deterministic cost, so it switches the noise off through
/// ``isNoiseEnabled`` and restores it afterwards. Checkpoints save and restore the layer's
/// generator through ``randomState``, so a resumed run draws the same noise.
public protocol StochasticLayer: AnyObject {
    /// When `false`, the layer is the identity even in training mode.
    var isNoiseEnabled: Bool { get set }
    /// The state words of the layer's generator; assigning resumes that stream.
    var randomState: [UInt64] { get set }
}
