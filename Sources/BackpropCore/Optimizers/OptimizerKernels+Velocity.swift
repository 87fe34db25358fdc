/// The velocity and running-square updates over `Float` buffers, on the SIMD lanes of
/// ``FloatKernels``: ``ClassicalMomentum``, ``Nesterov``, ``RMSprop`` and the shrinking step
/// of ``DecoupledWeightDecay``. Like ``OptimizerKernels/momentum(weights:gradient:velocity:count:learningRate:beta:oneMinusBeta:)``,
/// each flushes subnormal state to zero: the velocity and the running square of a unit whose
/// gradient stays zero decay geometrically into subnormal numbers, which the CPU handles up to
/// a hundred times slower.
extension OptimizerKernels {
    /// `v ← μ·v − α·g`, then `w ← w + v` (classical momentum) or, with `lookAhead`,
    /// `w ← w + μ·v − α·g` (Nesterov), over `count` elements.
    @usableFromInline
    static func velocity(weights w: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                         velocity v: UnsafeMutablePointer<Float>, count: Int, learningRate: Float,
                         momentum: Float, lookAhead: Bool) {
        let vectorEnd = count - count % FloatKernels.width
        var i = 0
        while i < vectorEnd {
            let step = learningRate * FloatKernels.load(g + i)
            let velocity = flushSubnormals(momentum * FloatKernels.load(v + i) - step)
            FloatKernels.store(velocity, v + i)
            FloatKernels.store(FloatKernels.load(w + i) + (lookAhead ? momentum * velocity - step : velocity), w + i)
            i += FloatKernels.width
        }
        while i < count {
            let step = learningRate * g[i]
            let velocity = flushSubnormal(momentum * v[i] - step)
            v[i] = velocity
            w[i] += lookAhead ? momentum * velocity - step : velocity
            i += 1
        }
    }

    /// `s ← β·s + (1−β)·g²`, `w ← w − α·g/(√s + ε)` over `count` elements.
    @usableFromInline
    static func rmsprop(weights w: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                        meanSquare s: UnsafeMutablePointer<Float>, count: Int, learningRate: Float,
                        beta: Float, oneMinusBeta: Float, epsilon: Float) {
        let vectorEnd = count - count % FloatKernels.width
        var i = 0
        while i < vectorEnd {
            let gradient = FloatKernels.load(g + i)
            let square = flushSubnormals(beta * FloatKernels.load(s + i) + oneMinusBeta * gradient * gradient)
            FloatKernels.store(square, s + i)
            FloatKernels.store(FloatKernels.load(w + i) - learningRate * gradient / (square.squareRoot() + epsilon), w + i)
            i += FloatKernels.width
        }
        while i < count {
            let square = flushSubnormal(beta * s[i] + oneMinusBeta * g[i] * g[i])
            s[i] = square
            w[i] -= learningRate * g[i] / (square.squareRoot() + epsilon)
            i += 1
        }
    }

    /// `w ← factor·w` over `count` elements.
    @usableFromInline
    static func scale(_ w: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        let vectorEnd = count - count % FloatKernels.width
        var i = 0
        while i < vectorEnd {
            FloatKernels.store(factor * FloatKernels.load(w + i), w + i)
            i += FloatKernels.width
        }
        while i < count {
            w[i] *= factor
            i += 1
        }
    }
}
