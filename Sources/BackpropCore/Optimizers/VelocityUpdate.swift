/// The step shared by ``ClassicalMomentum`` and ``Nesterov``: `v ← μ·v − α·dW`, then
/// `W ← W + v`, or with `lookAhead` `W ← W + μ·v − α·dW` (the velocity is slot 0 of `storage`).
func updateWithVelocity<Scalar: NetworkScalar>(
    _ parameters: [Parameter<Scalar>], storage: SlotStorage<Scalar>, momentum: Double, learningRate: Scalar,
    lookAhead: Bool
) {
    storage.prepare(for: parameters)
    _ = storage.advance()
    let mu = Scalar(momentum)
    for (index, parameter) in parameters.enumerated() {
        let w = parameter.value.base, g = parameter.gradient.base, v = storage.buffers[0][index].base
        for i in 0..<parameter.value.count {
            let step = learningRate * g[i]
            v[i] = mu * v[i] - step
            w[i] += lookAhead ? mu * v[i] - step : v[i]
        }
    }
}
