import CBackpropKernels

/// The update formulas of the optimisers over `Float` buffers: the loops that ``Adam``,
/// ``GradientDescent`` and ``Momentum`` run on contiguous tensors. Adam and gradient descent
/// run in C (`CBackpropKernels`, dispatched on the CPU's vector units); momentum runs on the
/// SIMD lanes of ``FloatKernels``.
@usableFromInline
enum OptimizerKernels {

    /// Replaces magnitudes below `Float.leastNormalMagnitude` with 0.
    ///
    /// Moments of units whose gradient stays zero (dead ReLUs) decay geometrically into
    /// subnormal numbers, which the CPU handles up to a hundred times slower; flushing them
    /// to zero changes the update by less than 10⁻³⁸.
    @inlinable @inline(__always)
    static func flushSubnormals(_ value: FloatKernels.Lanes) -> FloatKernels.Lanes {
        let limit = Float.leastNormalMagnitude
        return value.replacing(with: 0, where: (value .< limit) .& (value .> -limit))
    }

    @inlinable @inline(__always)
    static func flushSubnormal(_ value: Float) -> Float {
        Swift.abs(value) < Float.leastNormalMagnitude ? 0 : value
    }

    /// One Adam step over `count` elements (formulas of ``Adam``):
    /// `v ← β1·v + (1−β1)·g`, `s ← β2·s + (1−β2)·g²`, `w ← w − (α/c1)·v/(√s·(1/√c2) + ε)`
    /// (the same value as `α·(v/c1)/(√(s/c2) + ε)` with one division and one square root
    /// per element), with subnormal moments flushed to zero.
    ///
    /// Runs in C (`CBackpropKernels`), compiled for AVX-512, AVX2 and the baseline and
    /// dispatched on the CPU's features: Swift code is compiled for the baseline only, and
    /// the division and square root dominate this loop. Tensors of at least
    /// ``ComputeEngine/parallelElementLimit`` elements are split between two cores when
    /// `engine` allows; the split is by element, so the result is the same bit for bit.
    @usableFromInline
    static func adam(weights w: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                     firstMoment v: UnsafeMutablePointer<Float>, secondMoment s: UnsafeMutablePointer<Float>,
                     count: Int, learningRate: Float, beta1: Float, oneMinusBeta1: Float,
                     beta2: Float, oneMinusBeta2: Float, correction1: Float, correction2: Float, epsilon: Float,
                     engine: ComputeEngine) {
        backprop_adam_f32(w, g, v, s, count, learningRate / correction1, beta1, oneMinusBeta1,
                          beta2, oneMinusBeta2, 1 / correction2.squareRoot(), epsilon,
                          engine.elementwiseThreads(forElements: count))
    }

    /// `w ← w − α·g` over `count` elements (in C, on the widest vector unit the CPU has).
    @usableFromInline
    static func gradientDescent(weights w: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                                count: Int, learningRate: Float) {
        backprop_gradient_descent_f32(w, g, count, learningRate)
    }

    /// `v ← β·v + (1−β)·g`, `w ← w − α·v` over `count` elements, subnormal `v` flushed to zero.
    @usableFromInline
    static func momentum(weights w: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                         velocity v: UnsafeMutablePointer<Float>, count: Int, learningRate: Float, beta: Float,
                         oneMinusBeta: Float) {
        let vectorEnd = count - count % FloatKernels.width
        var i = 0
        while i < vectorEnd {
            let velocity = flushSubnormals(beta * FloatKernels.load(v + i) + oneMinusBeta * FloatKernels.load(g + i))
            FloatKernels.store(velocity, v + i)
            FloatKernels.store(FloatKernels.load(w + i) - learningRate * velocity, w + i)
            i += FloatKernels.width
        }
        while i < count {
            let velocity = flushSubnormal(beta * v[i] + oneMinusBeta * g[i])
            v[i] = velocity
            w[i] -= learningRate * velocity
            i += 1
        }
    }

    /// `a ← d·a + (1−d)·w` over `count` elements: one step of an exponential moving average
    /// of the weights (``WeightAverage``), on the SIMD lanes of ``FloatKernels``.
    @usableFromInline
    static func movingAverage(average a: UnsafeMutablePointer<Float>, weights w: UnsafePointer<Float>, count: Int,
                              decay: Float, oneMinusDecay: Float) {
        let vectorEnd = count - count % FloatKernels.width
        var i = 0
        while i < vectorEnd {
            FloatKernels.store(decay * FloatKernels.load(a + i) + oneMinusDecay * FloatKernels.load(w + i), a + i)
            i += FloatKernels.width
        }
        while i < count {
            a[i] = decay * a[i] + oneMinusDecay * w[i]
            i += 1
        }
    }
}
