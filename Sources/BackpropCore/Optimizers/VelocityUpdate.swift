/// The step shared by ``ClassicalMomentum`` and ``Nesterov``: `v ← μ·v − α·dW`, then
/// `W ← W + v`, or with `lookAhead` `W ← W + μ·v − α·dW` (the velocity is slot 0 of `storage`).
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func updateWithVelocity<Scalar: NetworkScalar>(
    _ parameters: [Parameter<Scalar>], storage: SlotStorage<Scalar>, momentum: Double, learningRate: Scalar,
    lookAhead: Bool
) {
    storage.prepare(for: parameters)
    _ = storage.advance()
    let mu = Scalar(momentum)
    for (index, parameter) in parameters.enumerated() {
        let w = parameter.value.base, g = parameter.gradient.base, v = storage.buffers[0][index].base
        if Scalar.self == Float.self {
            OptimizerKernels.velocity(weights: FloatKernels.floats(w), gradient: FloatKernels.floats(g),
                                      velocity: FloatKernels.floats(v), count: parameter.value.count,
                                      learningRate: Float(learningRate), momentum: Float(mu), lookAhead: lookAhead)
            continue
        }
        for i in 0..<parameter.value.count {
            let step = learningRate * g[i]
            v[i] = mu * v[i] - step
            w[i] += lookAhead ? mu * v[i] - step : v[i]
        }
    }
}
