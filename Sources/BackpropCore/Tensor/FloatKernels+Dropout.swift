import CBackpropKernels

extension FloatKernels {
    // MARK: - Dropout and noise

    /// Draws one dropout mask and applies it: element `i` of `count` keeps when
    /// `RandomGenerator.keyedDraw53(key:index:)` of index `first + i`, as a uniform in
    /// `[0, 1)`, is below `keep` (`mask[i] = scale`, else 0), and `output[i] = x[i]·mask[i]`.
    /// A C kernel hashing each index on its own, vectorised and split over the engine's
    /// threads like its other element-wise passes, with the same bits either way.
    @usableFromInline
    static func dropout(_ x: UnsafePointer<Float>, mask: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>,
                        count: Int, keep: Double, scale: Float, key: UInt64, first: Int, engine: ComputeEngine) {
        backprop_dropout_f32(x, mask, output, count, RandomGenerator.bernoulliThreshold(keep), scale, key, first,
                             engine.elementwiseThreads(forElements: count))
    }

    /// `output[i] = x[i] + Float(σ·z)` over `count` elements, `z` the keyed normal draw
    /// `RandomGenerator.keyedNormal(key:index:)` of index `first + i`: a C loop using both
    /// outputs of each Box–Muller pair, split over the engine's threads with the same bits.
    /// A draw (a logarithm, a sine and a cosine per pair, about 20 ns) weighs as much as
    /// copying some 64 values, so the split starts at 1/64 of the engine's element limit.
    @usableFromInline
    static func gaussianNoise(_ x: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int,
                              standardDeviation: Double, key: UInt64, first: Int, engine: ComputeEngine) {
        backprop_gaussian_noise_f32(x, output, count, standardDeviation, key, first,
                                    engine.elementwiseThreads(forElements: 64 * count))
    }

    /// `product[i] = a[i]·b[i]` over `count` elements (`product` may be `a` or `b`).
    @usableFromInline
    static func multiply(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into product: UnsafeMutablePointer<Float>, count: Int) {
        let vectorEnd = count - count % width
        var i = 0
        while i < vectorEnd {
            store(load(a + i) * load(b + i), product + i)
            i += width
        }
        while i < count {
            product[i] = a[i] * b[i]
            i += 1
        }
    }
}
