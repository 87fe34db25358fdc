/// Adversarial training with the fast gradient sign method (Goodfellow, Shlens & Szegedy
/// 2015): every step also trains on its batch moved, within `ε` per input feature, in the
/// direction that raises the batch's cost fastest.
///
/// A step minimises
///
///     J̃(θ) = w·J(θ; X) + (1 − w)·J(θ; X + ε·sign(∇ₓJ(θ; X)))
///
/// where `J` is the batch-mean cost, `w` = ``cleanWeight`` and `∇ₓJ` is taken through the
/// same training-mode pass (the same dropout masks) as the clean cost. The perturbation is a
/// constant of the update: no gradient flows through `sign`. The perturbed inputs are not
/// clipped to the data's range; `ε` is in the units of the preprocessed features (0.1 is a
/// tenth of a pixel's range for images scaled to [0, 1]).
///
/// A step costs about twice a plain one (two forward and two backward passes, the first
/// continued to the inputs). Batch normalisation sees both passes: its running statistics
/// move twice per step.
public struct AdversarialTraining: Sendable, Hashable, Codable {
    /// The L∞ size `ε` of the perturbation, in units of the (preprocessed) input features.
    public var epsilon: Double
    /// The weight `w` of the clean batch's cost; the perturbed batch gets `1 − w`.
    public var cleanWeight: Double

    /// Perturbations of size `epsilon`, the clean cost weighted by `cleanWeight` (default 0.5,
    /// the original paper's choice).
    public init(epsilon: Double, cleanWeight: Double = 0.5) {
        self.epsilon = epsilon
        self.cleanWeight = cleanWeight
    }

    /// Throws ``TrainingError/invalidOptions(_:)`` unless `ε > 0` is finite and `0 ≤ w ≤ 1`.
    public func validate() throws {
        guard epsilon > 0 && epsilon.isFinite else {
            throw TrainingError.invalidOptions("the adversarial perturbation ε must be positive and finite, got \(epsilon)")
        }
        guard cleanWeight >= 0 && cleanWeight <= 1 else {
            throw TrainingError.invalidOptions("the weight of the clean cost in adversarial training must lie in [0, 1], got \(cleanWeight)")
        }
    }

    /// `perturbed = features + ε·sign(inputGradient)`, element by element (`sign(0) = 0`);
    /// all three `m × n`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func perturb<Scalar: NetworkScalar>(_ features: Matrix<Scalar>, along inputGradient: Matrix<Scalar>, into perturbed: Matrix<Scalar>) {
        let x = features.base, g = inputGradient.base, out = perturbed.base
        let step = Scalar(epsilon)
        for i in 0..<features.count {
            let slope = g[i]
            out[i] = x[i] + (slope > 0 ? step : slope < 0 ? -step : 0)
        }
    }
}
